package io.flotilla.sql.node;

import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.TableIds;
import io.flotilla.statemachine.range.TableName;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The catalog, in table {@code TABLE_PLACEMENT} of the meta range: which range holds each user
 * table, by its table id (the range whose span holds the table's first key,
 * {@link KeySpan#ofTable}; today the data range holds them all).
 *
 * <p>It follows DDL shortly after, not with it: a schema change commits on the data range alone,
 * and the meta range's leader then brings the catalog into line with its replica of the data range
 * ({@link MetaReconciler}). Nothing that runs statements reads it, so user data never depends on
 * it. Reads come from this node's replica of the meta range and may be stale.
 */
public final class Catalog {

    /** Keyed by table id, so a renamed table keeps its row; the table by name before it, if any, is left unread. */
    static final String TABLE = "TABLE_PLACEMENT";
    static final String CREATE = "CREATE TABLE IF NOT EXISTS " + TABLE + "(TABLE_ID BIGINT PRIMARY KEY, "
            + "TABLE_SCHEMA VARCHAR(1000) NOT NULL, TABLE_NAME VARCHAR(1000) NOT NULL, RANGE_ID BIGINT NOT NULL)";

    private final RangeReplica meta;
    private volatile Read cached = new Read(-1, Collections.emptySortedMap());

    /** What the replica held at one applied index: the catalog changes rarely, so reads reuse it until then. */
    private record Read(long applied, SortedMap<TableName, Long> entries) {
    }

    Catalog(RangeReplica meta) {
        this.meta = meta;
    }

    /** Every table this node's replica of the meta range lists, with the range that holds it. */
    public SortedMap<TableName, Long> entries() throws SQLException {
        long applied = meta.applied();
        Read read = cached;
        if (read.applied() == applied) {
            return read.entries();
        }
        SortedMap<TableName, Long> entries = new TreeMap<>();
        try (Connection c = meta.store().connect()) {
            c.setReadOnly(true);
            if (MetaTables.exists(c, TABLE)) {
                try (PreparedStatement select = c.prepareStatement(
                        "SELECT TABLE_SCHEMA, TABLE_NAME, RANGE_ID FROM " + TABLE);
                     ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        entries.put(new TableName(rows.getString(1), rows.getString(2)), rows.getLong(3));
                    }
                }
            }
        }
        SortedMap<TableName, Long> readOnly = Collections.unmodifiableSortedMap(entries);
        // Labelled with the index read before the query: a later entry applied meanwhile only makes the next read refresh.
        cached = new Read(applied, readOnly);
        return readOnly;
    }

    /** The user tables of a data range's replica, with their table ids. */
    static SortedMap<TableName, Long> tablesOf(RangeReplica data) throws SQLException {
        try (Connection c = data.store().connect()) {
            c.setReadOnly(true);
            return new TreeMap<>(TableIds.live(c));
        }
    }

    /** Records (or moves, or renames) a table, in the held transaction on the meta range's leader behind {@code c}. */
    static void put(Connection c, TableName table, long tableId, long range) throws SQLException {
        try (PreparedStatement merge = c.prepareStatement(
                "MERGE INTO " + TABLE + " KEY(TABLE_ID) VALUES (?, ?, ?, ?)")) {
            merge.setLong(1, tableId);
            merge.setString(2, table.schema());
            merge.setString(3, table.table());
            merge.setLong(4, range);
            merge.executeUpdate();
        }
    }

    /** Forgets a dropped table, in the held transaction on the meta range's leader behind {@code c}. */
    static void remove(Connection c, TableName table) throws SQLException {
        try (PreparedStatement delete = c.prepareStatement(
                "DELETE FROM " + TABLE + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            delete.setString(1, table.schema());
            delete.setString(2, table.table());
            delete.executeUpdate();
        }
    }
}
