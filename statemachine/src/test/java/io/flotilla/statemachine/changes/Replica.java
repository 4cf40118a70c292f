package io.flotilla.statemachine.changes;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** One in-memory H2 database with a single open connection (auto-commit off), named uniquely. */
final class Replica implements AutoCloseable {

    final String url;
    final Connection connection;

    private Replica(String url) throws SQLException {
        this.url = url;
        this.connection = DriverManager.getConnection(url, "sa", "");
        this.connection.setAutoCommit(false);
    }

    static Replica create(String label) throws SQLException {
        return new Replica("jdbc:h2:mem:" + label + "-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    }

    /** A second session on the same database. */
    Connection openSession() throws SQLException {
        Connection session = DriverManager.getConnection(url, "sa", "");
        session.setAutoCommit(false);
        return session;
    }

    void execute(String... statements) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    long queryLong(String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            if (!rows.next()) {
                throw new AssertionError("no row from " + sql);
            }
            return rows.getLong(1);
        }
    }

    String queryString(String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            StringBuilder text = new StringBuilder();
            int columns = rows.getMetaData().getColumnCount();
            while (rows.next()) {
                for (int c = 1; c <= columns; c++) {
                    text.append(c == 1 ? "" : " | ").append(rows.getString(c));
                }
                text.append('\n');
            }
            return text.toString();
        }
    }

    @Override
    public void close() throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SHUTDOWN");
        } finally {
            connection.close();
        }
    }
}
