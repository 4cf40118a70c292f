package io.flotilla.statemachine.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The bookkeeping row {@code FLOTILLA.APPLIED}: the applied position, written in the same H2
 * transaction as the effects of the entry, so that the database alone says where log replay must
 * resume.
 */
public final class AppliedTable {

    public static final String SCHEMA = "FLOTILLA";
    public static final String TABLE = "APPLIED";

    private static final String SELECT =
            "SELECT APPLIED_INDEX, APPLIED_TERM FROM FLOTILLA.APPLIED WHERE ID = 0";

    private AppliedTable() {
    }

    /** Creates the schema, table and its single row where they are missing. */
    static void ensure(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA IF NOT EXISTS FLOTILLA");
            // The CHECK keeps the table to one row whatever a buggy caller inserts.
            statement.execute("CREATE TABLE IF NOT EXISTS FLOTILLA.APPLIED("
                    + "ID TINYINT PRIMARY KEY CHECK (ID = 0), "
                    + "APPLIED_INDEX BIGINT NOT NULL, APPLIED_TERM BIGINT NOT NULL)");
            statement.execute("MERGE INTO FLOTILLA.APPLIED KEY(ID) "
                    + "SELECT 0, 0, 0 WHERE NOT EXISTS (SELECT 1 FROM FLOTILLA.APPLIED)");
        }
    }

    /**
     * Reads the applied position as the connection's transaction sees it.
     *
     * @throws MissingAppliedPositionException if the database has no bookkeeping row
     */
    public static AppliedPosition read(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(SELECT)) {
            if (!rows.next()) {
                throw new MissingAppliedPositionException();
            }
            return new AppliedPosition(rows.getLong(1), rows.getLong(2));
        }
    }

    /**
     * Records the applied position in the connection's current transaction; the caller commits it
     * together with the effects of the entry.
     */
    public static void write(Connection connection, AppliedPosition position) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE FLOTILLA.APPLIED SET APPLIED_INDEX = ?, APPLIED_TERM = ? WHERE ID = 0")) {
            update.setLong(1, position.index());
            update.setLong(2, position.term());
            if (update.executeUpdate() != 1) {
                throw new MissingAppliedPositionException();
            }
        }
    }
}
