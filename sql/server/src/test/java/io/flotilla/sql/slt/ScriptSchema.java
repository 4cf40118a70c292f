package io.flotilla.sql.slt;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A schema of its own for one script on one connection: a script creates its tables (t1, t2, ...)
 * expecting them absent, so each runs in a new schema, the session's current one, dropped with
 * everything in it afterwards. The scripts name no schema, so nothing else changes for them.
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
            s.execute("SET SCHEMA " + name);
        }
        return new ScriptSchema(connection, name);
    }

    @Override
    public void close() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("SET SCHEMA PUBLIC");
            s.execute("DROP SCHEMA " + name + " CASCADE");
        }
    }
}
