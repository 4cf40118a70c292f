package io.flotilla.statemachine.changes;

import java.sql.Connection;
import java.sql.SQLException;
import org.h2.command.Prepared;
import org.h2.engine.Session;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.message.DbException;

/**
 * Finds the H2 engine session behind a JDBC connection. Capture and apply work below SQL, on the
 * session itself, so they only accept connections to an embedded (in-process) H2 database.
 */
public final class EmbeddedSession {

    private EmbeddedSession() {
    }

    public static SessionLocal of(Connection connection) throws SQLException {
        JdbcConnection jdbc;
        if (connection instanceof JdbcConnection) {
            jdbc = (JdbcConnection) connection;
        } else if (connection.isWrapperFor(JdbcConnection.class)) {
            jdbc = connection.unwrap(JdbcConnection.class);
        } else {
            throw new SQLException("not an H2 connection: " + connection.getClass().getName(), "0A000");
        }
        Session session = jdbc.getSession();
        if (session == null) {
            // H2 drops the session when the connection closes (a range session ended under it).
            throw new SQLException("the connection is closed", "08003");
        }
        if (!(session instanceof SessionLocal)) {
            throw new SQLException("not an embedded H2 connection (remote session "
                    + session.getClass().getName() + ")", "0A000");
        }
        return (SessionLocal) session;
    }

    /** Parses {@code sql} in the connection's session without running it. */
    public static Prepared prepare(Connection connection, String sql) throws SQLException {
        SessionLocal session = of(connection);
        try {
            return session.prepare(sql);
        } catch (DbException e) {
            throw DbException.toSQLException(e);
        }
    }
}
