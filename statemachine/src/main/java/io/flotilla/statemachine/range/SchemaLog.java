package io.flotilla.statemachine.range;

import io.flotilla.statemachine.wire.SchemaChange;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The schema changes a range ran since its tables were split, in the order of the first data
 * range's log (docs/ranges.md, "Schema changes"). Once the tables lie in several ranges, a schema
 * change runs in each of them as an entry of its own log: the first data range (the one whose span
 * begins with the first table) gives it its place, and every other range runs the changes in that
 * order, each right after the one before it. So every range goes through the same schemas, and
 * gives a new table the same id.
 *
 * <p>Kept in {@code FLOTILLA.SCHEMA_LOG}, written in the transaction that applies the change; a
 * split copies it into the new range with everything else, so both halves start at the same place.
 * The first data range's copy is where a node finds what a range that fell behind still has to run
 * (a node that fanned a change out may have stopped half-way).
 */
public final class SchemaLog {

    /** Where a change goes in the log: {@link #next()} asks the first data range to give it a place. */
    public record Place(long seq, String schema) {

        public static Place next() {
            return new Place(0, "");
        }

        boolean given() {
            return seq > 0;
        }
    }

    private SchemaLog() {
    }

    static void ensure(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS FLOTILLA.SCHEMA_LOG(SEQ BIGINT PRIMARY KEY, "
                    + "SCHEMA_NAME VARCHAR(1100) NOT NULL, SQL VARCHAR NOT NULL)");
        }
    }

    /** The place of the last change this range ran; 0 for none. */
    public static long last(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(SEQ), 0) FROM FLOTILLA.SCHEMA_LOG")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Records that the change at {@code seq} ran here, in the caller's transaction. */
    static void append(Connection apply, long seq, SchemaChange change) throws SQLException {
        try (PreparedStatement ps = apply.prepareStatement(
                "INSERT INTO FLOTILLA.SCHEMA_LOG(SEQ, SCHEMA_NAME, SQL) VALUES (?, ?, ?)")) {
            ps.setLong(1, seq);
            ps.setString(2, change.getSchema());
            ps.setString(3, change.getSql());
            ps.executeUpdate();
        }
    }
}
