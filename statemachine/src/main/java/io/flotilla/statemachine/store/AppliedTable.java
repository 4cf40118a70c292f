package io.flotilla.statemachine.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * {@code FLOTILLA.APPLIED}: the applied position, written in the same H2 transaction as the effects
 * of the entry, so that the database alone says where log replay must resume.
 *
 * <p>The table is append-only: every applied entry <em>inserts</em> a row keyed by its index, and the
 * position is the row with the highest index. An update of one shared row would make every apply
 * take a row lock that any transaction holding an older snapshot refuses: a leader commits a
 * client's transaction at apply time, in that transaction's own session and isolation level, and
 * under REPEATABLE READ or SERIALIZABLE H2 rejects an update of a row committed after the
 * transaction's snapshot began. An insert under a key nobody else writes never waits and is never
 * refused. {@link #prune} deletes the rows below the highest, from the apply session only (see
 * {@code docs/apply-path.md}).
 */
public final class AppliedTable {

    public static final String SCHEMA = "FLOTILLA";
    public static final String TABLE = "APPLIED";

    private static final String SELECT =
            "SELECT APPLIED_INDEX, APPLIED_TERM FROM FLOTILLA.APPLIED ORDER BY APPLIED_INDEX DESC LIMIT 1";

    private AppliedTable() {
    }

    /** Creates the schema and the table, with the position (0, 0), where they are missing. */
    static void ensure(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA IF NOT EXISTS FLOTILLA");
            refuseEarlierLayout(connection);
            statement.execute("CREATE TABLE IF NOT EXISTS FLOTILLA.APPLIED("
                    + "APPLIED_INDEX BIGINT PRIMARY KEY CHECK (APPLIED_INDEX >= 0), APPLIED_TERM BIGINT NOT NULL)");
            statement.execute("MERGE INTO FLOTILLA.APPLIED KEY(APPLIED_INDEX) "
                    + "SELECT 0, 0 WHERE NOT EXISTS (SELECT 1 FROM FLOTILLA.APPLIED)");
        }
    }

    /** A database of a development version that kept the position in one updated row is not read. */
    private static void refuseEarlierLayout(Connection connection) throws SQLException {
        try (ResultSet columns = connection.getMetaData().getColumns(null, SCHEMA, TABLE, "ID")) {
            if (columns.next()) {
                throw new SQLException("this replica's database was created by an earlier development version of "
                        + "Flotilla (FLOTILLA.APPLIED has an ID column) and cannot be read; start it afresh",
                        "XX001");
            }
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
     * together with the effects of the entry. An insert: it takes no lock another transaction can
     * hold and passes every isolation level's checks.
     */
    public static void write(Connection connection, AppliedPosition position) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO FLOTILLA.APPLIED(APPLIED_INDEX, APPLIED_TERM) VALUES (?, ?)")) {
            insert.setLong(1, position.index());
            insert.setLong(2, position.term());
            insert.executeUpdate();
        }
    }

    /**
     * Deletes the rows below the highest, in the connection's current transaction. Only from a
     * session that reads committed data (the apply session): every row it deletes was committed
     * by the apply thread itself, so no other transaction holds a lock on it.
     */
    public static void prune(Connection connection) throws SQLException {
        try (Statement delete = connection.createStatement()) {
            delete.executeUpdate("DELETE FROM FLOTILLA.APPLIED "
                    + "WHERE APPLIED_INDEX < (SELECT MAX(APPLIED_INDEX) FROM FLOTILLA.APPLIED)");
        }
    }
}
