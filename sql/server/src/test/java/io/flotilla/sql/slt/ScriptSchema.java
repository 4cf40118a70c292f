package io.flotilla.sql.slt;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A schema of its own for one script on one connection: a script creates its tables (t1, t2, ...)
 * expecting them absent, so each runs in a new schema, the session's current one, dropped with
 * everything in it afterwards. The scripts name no schema, so nothing else changes for them.
 *
 * <p>The schema is made current with {@link Connection#setSchema}, not a {@code SET SCHEMA}
 * statement: the Flotilla driver gives a schema set through JDBC to every new link to a node,
 * while one set by a statement is kept only by the node the link was on, and was gone after the
 * driver moved its link (a leadership transfer, or a link given up under load, mid-file).
 */
public final class ScriptSchema implements AutoCloseable {

    private final Connection connection;
    private final String name;

    private ScriptSchema(Connection connection, String name) {
        this.connection = connection;
        this.name = name;
    }

    /** Creates schema {@code name} (a plain SQL identifier) and makes it the session's schema. */
    public static ScriptSchema enter(Connection connection, String name) throws SQLException {
        if (!name.matches("[A-Z][A-Z0-9_]*")) {
            throw new IllegalArgumentException("not a plain upper-case identifier: " + name);
        }
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE SCHEMA " + name);
        }
        connection.setSchema(name);
        return new ScriptSchema(connection, name);
    }

    /** The connection, in this schema. */
    public Connection connection() {
        return connection;
    }

    @Override
    public void close() throws SQLException {
        connection.setSchema("PUBLIC");
        try (Statement s = connection.createStatement()) {
            s.execute("DROP SCHEMA " + name + " CASCADE");
        }
    }
}
