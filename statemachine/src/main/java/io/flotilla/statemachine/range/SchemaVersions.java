package io.flotilla.statemachine.range;

import io.flotilla.statemachine.wire.ChangeSet;
import io.flotilla.statemachine.wire.RowChange;
import io.flotilla.statemachine.wire.SequenceFloor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which change sets still fit the schema, per table and sequence: a schema change refuses only the
 * transactions that touched what it changed, so {@code CREATE INDEX} on one table does not end the
 * transactions writing another (and a migration tool may keep its history table's transaction open
 * while it migrates).
 *
 * <p>A change set names the schema version it was made against (the index of the last schema
 * change then). It is refused on every replica when a table or sequence it touches changed at a
 * later index, or when a range-wide change applied after it. Kept in {@code FLOTILLA.SCHEMA_VERSION}
 * (the current version) and {@code FLOTILLA.SCHEMA_OBJECTS} (when each object last changed; the row
 * {@code *} is the last range-wide change), written in the schema change's own transaction, so a
 * restart or a snapshot carries them like any replicated row.
 *
 * <p>Only the apply thread changes it; client threads read {@link #current()}.
 */
final class SchemaVersions {

    private static final String RANGE_WIDE = "*";
    /** Above this many remembered objects the next change is made range-wide, which forgets them all. */
    private static final int MAX_OBJECTS = 10_000;

    private volatile long current;
    private long rangeWideAt;
    private final Map<String, Long> changedAt = new HashMap<>();

    private SchemaVersions() {
    }

    static void ensure(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS FLOTILLA.SCHEMA_VERSION("
                    + "ID TINYINT PRIMARY KEY CHECK (ID = 0), VERSION BIGINT NOT NULL)");
            s.execute("MERGE INTO FLOTILLA.SCHEMA_VERSION KEY(ID) "
                    + "SELECT 0, 0 WHERE NOT EXISTS (SELECT 1 FROM FLOTILLA.SCHEMA_VERSION)");
            s.execute("CREATE TABLE IF NOT EXISTS FLOTILLA.SCHEMA_OBJECTS("
                    + "NAME VARCHAR(1100) PRIMARY KEY, CHANGED_AT BIGINT NOT NULL)");
            // A store from before objects were tracked: every earlier change counts as range-wide.
            s.execute("MERGE INTO FLOTILLA.SCHEMA_OBJECTS KEY(NAME) SELECT '" + RANGE_WIDE + "', VERSION "
                    + "FROM FLOTILLA.SCHEMA_VERSION WHERE NOT EXISTS "
                    + "(SELECT 1 FROM FLOTILLA.SCHEMA_OBJECTS WHERE NAME = '" + RANGE_WIDE + "')");
        }
    }

    static SchemaVersions read(Connection connection) throws SQLException {
        SchemaVersions versions = new SchemaVersions();
        try (Statement s = connection.createStatement()) {
            try (ResultSet row = s.executeQuery("SELECT VERSION FROM FLOTILLA.SCHEMA_VERSION WHERE ID = 0")) {
                if (!row.next()) {
                    throw new SQLException("FLOTILLA.SCHEMA_VERSION has no row", "XX001");
                }
                versions.current = row.getLong(1);
            }
            try (ResultSet rows = s.executeQuery("SELECT NAME, CHANGED_AT FROM FLOTILLA.SCHEMA_OBJECTS")) {
                while (rows.next()) {
                    if (RANGE_WIDE.equals(rows.getString(1))) {
                        versions.rangeWideAt = rows.getLong(2);
                    } else {
                        versions.changedAt.put(rows.getString(1), rows.getLong(2));
                    }
                }
            }
        }
        return versions;
    }

    /** The version a transaction beginning now makes its change set against. */
    long current() {
        return current;
    }

    /** Whether the change set's rows may no longer fit: it must be refused. */
    boolean outdated(ChangeSet changes) {
        long madeAt = changes.getSchemaVersion();
        if (madeAt == current) {
            return false;
        }
        if (madeAt < rangeWideAt) {
            return true;
        }
        for (String name : objectsOf(changes)) {
            if (changedAt.getOrDefault(name, 0L) > madeAt) {
                return true;
            }
        }
        return false;
    }

    /** Records a schema change applied at {@code index}, in the apply session's open transaction. */
    void changed(Connection connection, long index, SchemaDiff diff) throws SQLException {
        boolean rangeWide = diff.rangeWide() || changedAt.size() + diff.objects().size() > MAX_OBJECTS;
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE FLOTILLA.SCHEMA_VERSION SET VERSION = ? WHERE ID = 0")) {
            update.setLong(1, index);
            update.executeUpdate();
        }
        if (rangeWide) {
            try (Statement s = connection.createStatement()) {
                s.execute("DELETE FROM FLOTILLA.SCHEMA_OBJECTS WHERE NAME <> '" + RANGE_WIDE + "'");
            }
        }
        try (PreparedStatement merge = connection.prepareStatement(
                "MERGE INTO FLOTILLA.SCHEMA_OBJECTS KEY(NAME) VALUES (?, ?)")) {
            for (String name : rangeWide ? Set.of(RANGE_WIDE) : diff.objects()) {
                merge.setString(1, name);
                merge.setLong(2, index);
                merge.executeUpdate();
            }
        }
        current = index;
        if (rangeWide) {
            rangeWideAt = index;
            changedAt.clear();
        } else {
            diff.objects().forEach(name -> changedAt.put(name, index));
        }
    }

    /** The tables and sequences a change set touches, as {@code "SCHEMA"."NAME"}. */
    static Set<String> objectsOf(ChangeSet changes) {
        Set<String> names = new HashSet<>();
        String lastSchema = null;
        String lastTable = null;
        for (RowChange row : changes.getChangesList()) {
            // Rows of one table usually come in runs: quote each run once.
            if (!row.getTable().equals(lastTable) || !row.getSchema().equals(lastSchema)) {
                lastSchema = row.getSchema();
                lastTable = row.getTable();
                names.add(ReplicatedTables.qualified(lastSchema, lastTable));
            }
        }
        for (SequenceFloor floor : changes.getSequencesList()) {
            // An identity column's sequence is named by its table (its own name differs per replica).
            names.add(ReplicatedTables.qualified(floor.getSchema(),
                    floor.getName().isEmpty() ? floor.getTable() : floor.getName()));
        }
        names.addAll(changes.getLockedTablesList());
        return names;
    }
}
