package io.flotilla.statemachine.range;

import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.keys.KeySpan;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * A range's own record of the keys it covers and their generation, kept in its replica's database
 * ({@code FLOTILLA.RANGE_BOUNDS}, one row): the truth about its span (docs/ranges.md,
 * "Descriptors"), which the meta range's descriptors only index. Only entries of the range's own
 * log change it (a split; later a merge); the generation counts those changes of span, and only
 * them (a membership change leaves it: routing depends on spans alone). A range of the cluster's
 * initial layout starts with its span at generation 1, the same on every replica, written when its
 * database is created.
 * A restart reads it back and a snapshot carries it, like any replicated row.
 */
public record RangeBounds(long range, KeySpan span, long generation) {

    public RangeBounds {
        if (generation <= 0) {
            throw new IllegalArgumentException("range " + range + ": generations start at 1");
        }
    }

    /** Creates the table, and records {@code initial} where the database holds no bounds yet. */
    static void ensure(Connection connection, RangeBounds initial) throws SQLException {
        create(connection);
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO FLOTILLA.RANGE_BOUNDS "
                + "SELECT 0, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM FLOTILLA.RANGE_BOUNDS)")) {
            insert.setLong(1, initial.range());
            insert.setBytes(2, initial.span().start().toByteArray());
            insert.setBytes(3, initial.span().end() == null ? null : initial.span().end().toByteArray());
            insert.setLong(4, initial.generation());
            insert.executeUpdate();
        }
    }

    private static void create(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS FLOTILLA.RANGE_BOUNDS(ID TINYINT PRIMARY KEY CHECK (ID = 0), "
                    + "RANGE_ID BIGINT NOT NULL, START_KEY VARBINARY(4096) NOT NULL, END_KEY VARBINARY(4096), "
                    + "GENERATION BIGINT NOT NULL)");
        }
    }

    /** Records {@code bounds} in place of what the database held, in the caller's transaction (a split). */
    static void replace(Connection connection, RangeBounds bounds) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE FLOTILLA.RANGE_BOUNDS SET RANGE_ID = ?, "
                + "START_KEY = ?, END_KEY = ?, GENERATION = ? WHERE ID = 0")) {
            update.setLong(1, bounds.range());
            update.setBytes(2, bounds.span().start().toByteArray());
            update.setBytes(3, bounds.span().end() == null ? null : bounds.span().end().toByteArray());
            update.setLong(4, bounds.generation());
            if (update.executeUpdate() != 1) {
                throw new SQLException("range " + bounds.range() + ": FLOTILLA.RANGE_BOUNDS has no row", "XX001");
            }
        }
    }

    /**
     * The bounds the database holds; empty where it holds none (a range a split made, before its
     * first image).
     *
     * @throws SQLException XX001 when they name another range than {@code range} (a replica's data
     *                      that does not match the range it was opened as)
     */
    static Optional<RangeBounds> find(Connection connection, long range) throws SQLException {
        create(connection);
        try (Statement s = connection.createStatement();
             ResultSet row = s.executeQuery("SELECT RANGE_ID, START_KEY, END_KEY, GENERATION FROM FLOTILLA.RANGE_BOUNDS")) {
            if (!row.next()) {
                return Optional.empty();
            }
            if (row.getLong(1) != range) {
                throw new SQLException("range " + range + ": its database holds the bounds of range " + row.getLong(1),
                        "XX001");
            }
            byte[] end = row.getBytes(3);
            return Optional.of(new RangeBounds(range, new KeySpan(Key.of(row.getBytes(2)), end == null ? null : Key.of(end)),
                    row.getLong(4)));
        }
    }
}
