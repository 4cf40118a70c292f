package io.flotilla.statemachine.changes;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.h2.engine.SessionLocal;
import org.h2.schema.Schema;
import org.h2.table.Table;
import org.h2.table.TableType;

/**
 * Change capture on a leader's H2 database: installs the capture trigger on replicated tables and
 * starts a {@link ChangeRecorder} for a session's transaction.
 *
 * <p>Replicated tables are the base tables outside the INFORMATION_SCHEMA and Flotilla's own
 * {@code FLOTILLA} schema. Each must have a primary key: followers find the rows to update and
 * delete by it. Installing is DDL and, like all DDL in H2, commits the connection's transaction.
 */
public final class ChangeCapture {

    /** SQLSTATE "feature not supported". */
    public static final String NOT_SUPPORTED = "0A000";

    private final long maxChangeSetBytes;

    /** @param maxChangeSetBytes the largest change set, in serialized bytes, a transaction may produce */
    public ChangeCapture(long maxChangeSetBytes) {
        if (maxChangeSetBytes <= 0) {
            throw new IllegalArgumentException("change set size limit must be positive: " + maxChangeSetBytes);
        }
        this.maxChangeSetBytes = maxChangeSetBytes;
    }

    /**
     * Starts recording the transaction of the session behind {@code connection} (an embedded H2
     * connection with auto-commit off). Close the recorder when the transaction has ended.
     *
     * @throws IllegalStateException if the session already has an open recorder
     */
    public ChangeRecorder record(Connection connection) throws SQLException {
        SessionLocal session = EmbeddedSession.of(connection);
        ChangeRecorder recorder = new ChangeRecorder(session, maxChangeSetBytes);
        RecorderRegistry.register(session, recorder);
        return recorder;
    }

    /** Installs capture on every replicated table that does not have it yet. */
    public void installAll(Connection connection) throws SQLException {
        SessionLocal session = EmbeddedSession.of(connection);
        List<Table> tables = new ArrayList<>();
        for (Schema schema : session.getDatabase().getAllSchemasNoMeta()) {
            if (!ReservedNames.isUserSchema(schema.getName())) {
                continue;
            }
            for (Table table : schema.getAllTablesAndViews(session)) {
                if (table.getTableType() == TableType.TABLE && !table.isTemporary()) {
                    requirePrimaryKey(table);
                    tables.add(table);
                }
            }
        }
        for (Table table : tables) {
            createTrigger(connection, table.getSchema().getName(), table.getName());
        }
    }

    /** Installs capture on one table, typically right after its CREATE TABLE. Idempotent. */
    public void install(Connection connection, String schema, String table) throws SQLException {
        if (!ReservedNames.isUserSchema(schema)) {
            throw new SQLException("schema " + schema + " is not replicated", NOT_SUPPORTED);
        }
        requirePrimaryKey(connection, schema, table);
        createTrigger(connection, schema, table);
    }

    /**
     * Fails with SQLSTATE 0A000 unless the table has a primary key.
     *
     * @throws SQLException 42S02 if there is no such table
     */
    public static void requirePrimaryKey(Connection connection, String schema, String table) throws SQLException {
        SessionLocal session = EmbeddedSession.of(connection);
        Schema found = session.getDatabase().findSchema(schema);
        Table t = found == null ? null : found.findTableOrView(session, table);
        if (t == null || t.getTableType() != TableType.TABLE) {
            throw new SQLException("table " + schema + "." + table + " not found", "42S02");
        }
        requirePrimaryKey(t);
    }

    private static void requirePrimaryKey(Table table) throws SQLException {
        if (table.findPrimaryKey() == null) {
            throw new SQLException("table " + ReservedNames.qualified(table)
                    + " has no primary key; Flotilla replicates rows by primary key", NOT_SUPPORTED);
        }
    }

    private static void createTrigger(Connection connection, String schema, String table) throws SQLException {
        String sql = "CREATE TRIGGER IF NOT EXISTS " + quote(schema) + "."
                + quote(ReservedNames.CAPTURE_TRIGGER_PREFIX + table)
                + " AFTER INSERT, UPDATE, DELETE ON " + quote(schema) + "." + quote(table)
                + " FOR EACH ROW CALL '" + CaptureTrigger.class.getName() + "'";
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
