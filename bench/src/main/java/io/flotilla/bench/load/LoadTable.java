package io.flotilla.bench.load;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The LOAD_KV table of a target: created fresh, preloaded, dropped at the end. */
final class LoadTable {

    static final String INSERT = "INSERT INTO LOAD_KV(ID, V, N) VALUES (?, ?, ?)";
    private static final int BATCH = 500;

    private LoadTable() {
    }

    /** Drops a table left over by an aborted run, then creates it empty. */
    static void create(Connection connection) throws SQLException {
        // Flotilla refuses DDL inside a transaction, so DDL always runs in autocommit mode.
        connection.setAutoCommit(true);
        try (Statement s = connection.createStatement()) {
            s.execute("DROP TABLE IF EXISTS LOAD_KV");
            s.execute("CREATE TABLE LOAD_KV(ID BIGINT PRIMARY KEY, V VARCHAR(100), N BIGINT)");
        }
    }

    /** Inserts keys 0..rows-1, one transaction per batch, and checks they are all there. */
    static void preload(Connection connection, long rows) throws SQLException {
        connection.setAutoCommit(false);
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            for (long first = 0; first < rows; first += BATCH) {
                for (long id = first; id < Math.min(rows, first + BATCH); id++) {
                    insert.setLong(1, id);
                    insert.setString(2, KvStatements.value(id));
                    insert.setLong(3, 0);
                    insert.addBatch();
                }
                insert.executeBatch();
                connection.commit();
            }
        } catch (SQLException e) {
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
        long found = count(connection);
        if (found != rows) {
            throw new SQLException("preloaded " + rows + " rows but LOAD_KV has " + found, KvStatements.NO_DATA);
        }
    }

    /**
     * Splits the preloaded keys 0..rows-1 into {@code ranges} ranges of equal key counts (Flotilla's
     * {@code ALTER TABLE ... SPLIT AT}); new keys, above them, fall into the last.
     */
    static void split(Connection connection, long rows, int ranges) throws SQLException {
        connection.setAutoCommit(true);
        try (Statement s = connection.createStatement()) {
            for (int i = 1; i < ranges; i++) {
                s.execute("ALTER TABLE LOAD_KV SPLIT AT VALUES (" + rows * i / ranges + ")");
            }
        }
    }

    static void drop(Connection connection) throws SQLException {
        connection.setAutoCommit(true);
        try (Statement s = connection.createStatement()) {
            s.execute("DROP TABLE LOAD_KV");
        }
    }

    private static long count(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM LOAD_KV")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
