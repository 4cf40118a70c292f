package io.flotilla.statemachine.range;

import io.flotilla.statemachine.changes.RowKeys;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * The catalog's table ids: the number every key of a table's rows begins with
 * ({@code io.flotilla.statemachine.keys}). An id is given to a table when it is created, kept when
 * the table or its schema is renamed (so a rename moves no key), and never given again, also after
 * the table is dropped.
 *
 * <p>Kept in {@code FLOTILLA.TABLE_IDS}, one row per id ever given; a dropped table's row stays,
 * with the index of the change that dropped it. Only schema changes write it, in their apply
 * transaction, from the tables that exist after the change: so every replica that applied the same
 * log has the same ids, and a restart or an image carries them like any replicated row.
 */
public final class TableIds {

    private TableIds() {
    }

    static void ensure(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS FLOTILLA.TABLE_IDS(TABLE_ID BIGINT PRIMARY KEY, "
                    + "TABLE_SCHEMA VARCHAR(1100) NOT NULL, TABLE_NAME VARCHAR(1100) NOT NULL, DROPPED_AT BIGINT)");
        }
    }

    /** {@code ids} as the key code looks tables up ({@link RowKeys}): by schema and name. */
    static RowKeys.TableIdOf lookup(Map<TableName, Long> ids) {
        return (schema, table) -> {
            Long id = ids.get(new TableName(schema, table));
            return id == null ? OptionalLong.empty() : OptionalLong.of(id);
        };
    }

    /** The ids of the tables that exist. */
    public static Map<TableName, Long> live(Connection connection) throws SQLException {
        Map<TableName, Long> ids = new TreeMap<>();
        try (Statement s = connection.createStatement();
             ResultSet rows = s.executeQuery("SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_ID FROM FLOTILLA.TABLE_IDS "
                     + "WHERE DROPPED_AT IS NULL")) {
            while (rows.next()) {
                ids.put(new TableName(rows.getString(1), rows.getString(2)), rows.getLong(3));
            }
        }
        return ids;
    }

    /**
     * Brings the ids in line with the tables that exist after the schema change at {@code index}:
     * a table that went away is marked dropped; a new one gets the next id, in name order, unless
     * the change renamed it, when it takes over the id of the table it was.
     */
    static void reconcile(Connection apply, long index, boolean renamesTables) throws SQLException {
        Map<TableName, Long> before = live(apply);
        Set<TableName> now = ReplicatedTables.tables(apply);
        List<TableName> gone = new ArrayList<>();
        for (TableName table : before.keySet()) {
            if (!now.contains(table)) {
                gone.add(table);
            }
        }
        List<TableName> added = new ArrayList<>();
        for (TableName table : now) {
            if (!before.containsKey(table)) {
                added.add(table);
            }
        }
        if (gone.isEmpty() && added.isEmpty()) {
            return;
        }
        Map<TableName, Long> renamed = renamesTables ? renames(gone, added, before) : Map.of();
        try (PreparedStatement drop = apply.prepareStatement(
                     "UPDATE FLOTILLA.TABLE_IDS SET DROPPED_AT = ? WHERE TABLE_ID = ?");
             PreparedStatement move = apply.prepareStatement(
                     "UPDATE FLOTILLA.TABLE_IDS SET TABLE_SCHEMA = ?, TABLE_NAME = ? WHERE TABLE_ID = ?");
             PreparedStatement give = apply.prepareStatement(
                     "INSERT INTO FLOTILLA.TABLE_IDS(TABLE_ID, TABLE_SCHEMA, TABLE_NAME) VALUES (?, ?, ?)")) {
            for (TableName table : gone) {
                if (!renamed.containsValue(before.get(table))) {
                    drop.setLong(1, index);
                    drop.setLong(2, before.get(table));
                    drop.executeUpdate();
                }
            }
            long next = nextId(apply);
            for (TableName table : added) {
                Long kept = renamed.get(table);
                if (kept != null) {
                    move.setString(1, table.schema());
                    move.setString(2, table.table());
                    move.setLong(3, kept);
                    move.executeUpdate();
                } else {
                    give.setLong(1, next++);
                    give.setString(2, table.schema());
                    give.setString(3, table.table());
                    give.executeUpdate();
                }
            }
        }
    }

    /**
     * Which new name is which old table, for a change that renamed: one table renamed is the one
     * gone and the one added; a schema renamed moves every table of it, matched by table name.
     */
    private static Map<TableName, Long> renames(List<TableName> gone, List<TableName> added,
                                                Map<TableName, Long> before) {
        Map<TableName, Long> renamed = new HashMap<>();
        if (gone.size() == 1 && added.size() == 1) {
            renamed.put(added.get(0), before.get(gone.get(0)));
            return renamed;
        }
        Map<String, TableName> goneByTable = new HashMap<>();
        for (TableName table : gone) {
            if (goneByTable.put(table.table(), table) != null) {
                return Map.of(); // two schemas lost a table of one name: not one schema renamed
            }
        }
        for (TableName table : added) {
            TableName old = goneByTable.get(table.table());
            if (old != null) {
                renamed.put(table, before.get(old));
            }
        }
        return renamed;
    }

    private static long nextId(Connection apply) throws SQLException {
        try (Statement s = apply.createStatement();
             ResultSet row = s.executeQuery("SELECT COALESCE(MAX(TABLE_ID), 0) + 1 FROM FLOTILLA.TABLE_IDS")) {
            row.next();
            return row.getLong(1);
        }
    }
}
