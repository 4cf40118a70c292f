package io.flotilla.sql.node;

import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.keys.KeySpan;

import io.flotilla.statemachine.range.RangeReplica;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The range descriptors, in table {@code DESCRIPTORS} of the meta range: one row per range
 * (see {@link RangeDescriptor}), members as comma-separated node ids. Only the meta range's leader
 * writes them ({@link MetaReconciler}); reads come from this node's replica and may be stale.
 */
public final class RangeDescriptors {

    /** Spans as byte keys ({@link KeySpan}); the table of string spans before it, if any, is left unread. */
    static final String TABLE = "DESCRIPTORS";
    static final String CREATE = "CREATE TABLE IF NOT EXISTS " + TABLE + "(RANGE_ID BIGINT PRIMARY KEY, "
            + "NAME VARCHAR(20) NOT NULL, START_KEY VARBINARY(4096) NOT NULL, END_KEY VARBINARY(4096), "
            + "GENERATION BIGINT NOT NULL, VOTERS VARCHAR(4096) NOT NULL, LEARNERS VARCHAR(4096) NOT NULL, "
            + "MEMBERSHIP_INDEX BIGINT NOT NULL, SCHEMA_INDEX BIGINT NOT NULL)";

    private final RangeReplica meta;
    private volatile Read cached = new Read(-1, Collections.emptySortedMap());

    /** What the replica held at one applied index: descriptors change rarely, so reads reuse it until then. */
    private record Read(long applied, SortedMap<Long, RangeDescriptor> entries) {
    }

    RangeDescriptors(RangeReplica meta) {
        this.meta = meta;
    }

    /** Every descriptor this node's replica of the meta range holds, by range id (empty if none). */
    public SortedMap<Long, RangeDescriptor> entries() throws SQLException {
        long applied = meta.applied();
        Read read = cached;
        if (read.applied() == applied) {
            return read.entries();
        }
        SortedMap<Long, RangeDescriptor> entries = new TreeMap<>();
        try (Connection c = meta.store().connect()) {
            c.setReadOnly(true);
            if (MetaTables.exists(c, TABLE)) {
                try (PreparedStatement select = c.prepareStatement("SELECT RANGE_ID, NAME, START_KEY, END_KEY, "
                        + "GENERATION, VOTERS, LEARNERS, MEMBERSHIP_INDEX, SCHEMA_INDEX FROM " + TABLE);
                     ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        RangeDescriptor d = descriptor(rows);
                        entries.put(d.range(), d);
                    }
                }
            }
        }
        SortedMap<Long, RangeDescriptor> readOnly = Collections.unmodifiableSortedMap(entries);
        // Labelled with the index read before the query: a later entry applied meanwhile only makes the next read refresh.
        cached = new Read(applied, readOnly);
        return readOnly;
    }

    public Optional<RangeDescriptor> entry(long range) throws SQLException {
        return Optional.ofNullable(entries().get(range));
    }

    /** Writes {@code d} in the held transaction on the meta range's leader behind {@code c}. */
    static void write(Connection c, RangeDescriptor d) throws SQLException {
        try (PreparedStatement merge = c.prepareStatement(
                "MERGE INTO " + TABLE + " KEY(RANGE_ID) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            merge.setLong(1, d.range());
            merge.setString(2, d.name());
            merge.setBytes(3, d.span().start().toByteArray());
            merge.setBytes(4, d.span().end() == null ? null : d.span().end().toByteArray());
            merge.setLong(5, d.generation());
            merge.setString(6, join(d.voters()));
            merge.setString(7, join(d.learners()));
            merge.setLong(8, d.membershipIndex());
            merge.setLong(9, d.schemaIndex());
            merge.executeUpdate();
        }
    }

    private static RangeDescriptor descriptor(ResultSet row) throws SQLException {
        long range = row.getLong(1);
        try {
            return new RangeDescriptor(range, row.getString(2), new KeySpan(Key.of(row.getBytes(3)),
                    row.getBytes(4) == null ? null : Key.of(row.getBytes(4))),
                    row.getLong(5), ids(row.getString(6)), ids(row.getString(7)), row.getLong(8), row.getLong(9));
        } catch (IllegalArgumentException e) {
            throw new SQLException("the descriptor of range " + range + " is unreadable: " + e.getMessage(), "XX000", e);
        }
    }

    private static String join(SortedSet<Long> ids) {
        return String.join(",", ids.stream().map(String::valueOf).toList());
    }

    private static SortedSet<Long> ids(String text) {
        SortedSet<Long> ids = new TreeSet<>();
        for (String id : text.split(",")) {
            if (!id.isBlank()) {
                ids.add(Long.parseLong(id.trim()));
            }
        }
        return ids;
    }
}
