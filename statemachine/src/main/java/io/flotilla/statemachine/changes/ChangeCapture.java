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
 * {@code FLOTILLA} schema. Followers find the rows to update and delete by primary key, so a table
 * created without one gets a hidden row key: an invisible {@code BIGINT} identity column,
 * {@value #ROW_KEY_COLUMN}, as its primary key. Its values are drawn on the leader like any
 * identity's, carried in the row images, and never drawn twice (the change set's sequence floors
 * carry them past a leader change); {@code SELECT *} and an {@code INSERT} without a column list
 * do not see it, and H2's {@code _ROWID_} is its value, the same on every replica. Installing is
 * DDL and, like all DDL in H2, commits the connection's transaction.
 */
public final class ChangeCapture {

    /** SQLSTATE "feature not supported". */
    public static final String NOT_SUPPORTED = "0A000";

    /**
     * The hidden row key of a table created without a primary key. A {@code BIGINT}: ordered, so
     * that a range split by key divides such a table as it divides any other.
     */
    public static final String ROW_KEY_COLUMN = "_FLOTILLA_ROWID_";

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
        // Names, not tables: adding a row key replaces H2's table object.
        record Name(String schema, String table, boolean keyed) {
        }
        List<Name> tables = new ArrayList<>();
        for (Schema schema : session.getDatabase().getAllSchemasNoMeta()) {
            if (!ReservedNames.isUserSchema(schema.getName())) {
                continue;
            }
            for (Table table : schema.getAllTablesAndViews(session)) {
                if (table.getTableType() == TableType.TABLE && !table.isTemporary()) {
                    tables.add(new Name(schema.getName(), table.getName(), table.findPrimaryKey() != null));
                }
            }
        }
        for (Name name : tables) {
            if (!name.keyed()) {
                addRowKey(connection, name.schema(), name.table());
            }
            createTrigger(connection, name.schema(), name.table());
        }
    }

    /**
     * Installs capture on one table, typically right after its CREATE TABLE, giving it a hidden row
     * key if it has no primary key. Idempotent.
     *
     * @throws SQLException 42S02 if there is no such table
     */
    public void install(Connection connection, String schema, String table) throws SQLException {
        if (!ReservedNames.isUserSchema(schema)) {
            throw new SQLException("schema " + schema + " is not replicated", NOT_SUPPORTED);
        }
        SessionLocal session = EmbeddedSession.of(connection);
        Schema found = session.getDatabase().findSchema(schema);
        Table t = found == null ? null : found.findTableOrView(session, table);
        if (t == null || t.getTableType() != TableType.TABLE) {
            throw new SQLException("table " + schema + "." + table + " not found", "42S02");
        }
        if (t.findPrimaryKey() == null) {
            addRowKey(connection, schema, table);
        }
        createTrigger(connection, schema, table);
    }

    /**
     * The hidden row key: existing rows (a CREATE TABLE AS SELECT, a dropped primary key) are
     * numbered in the table's scan order, which is the same on every replica since every
     * replicated table is ordered by a primary key.
     */
    private static void addRowKey(Connection connection, String schema, String table) throws SQLException {
        String sql = "ALTER TABLE " + quote(schema) + "." + quote(table) + " ADD COLUMN " + quote(ROW_KEY_COLUMN)
                + " BIGINT INVISIBLE GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY";
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
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
