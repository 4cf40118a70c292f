package io.flotilla.statemachine.range;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The mark a replica commits before it runs a schema change. H2 commits DDL by itself, apart from
 * the bookkeeping that records the entry as applied; a crash between the two leaves a change that
 * ran and an entry that did not apply. Replaying the entry, the replica finds its mark for that
 * index, sees from the schema whether the change ran, and if it did, does not run it again: a
 * {@code CREATE TABLE} would fail here alone, and this replica would record a refusal where the
 * others recorded the change. What the schema was before (kept in the mark) gives the same
 * difference, and so the same schema versions, as the first run would have.
 *
 * <p>One row, written by the apply session alone; no client transaction reads or locks it.
 */
final class SchemaChangeMark {

    /** What the schema was just before the change at {@code index} ran. */
    record Before(long index, Set<String> tables, Set<String> objects, Set<String> script) {
    }

    private SchemaChangeMark() {
    }

    /** The schema as it is now, marked as the one the change at {@code index} starts from, and committed. */
    static Before mark(Connection apply, long index) throws SQLException {
        Before before = new Before(index, ReplicatedTables.names(apply), SchemaDiff.objects(apply),
                SchemaDiff.replicatedScript(apply));
        try (Statement s = apply.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS FLOTILLA.SCHEMA_CHANGE_MARK(ID INT PRIMARY KEY, "
                    + "APPLIED_INDEX BIGINT NOT NULL, TABLES_BEFORE VARCHAR ARRAY NOT NULL, "
                    + "OBJECTS_BEFORE VARCHAR ARRAY NOT NULL, SCRIPT_BEFORE VARCHAR ARRAY NOT NULL)");
        }
        try (PreparedStatement merge = apply.prepareStatement(
                "MERGE INTO FLOTILLA.SCHEMA_CHANGE_MARK KEY(ID) VALUES (0, ?, ?, ?, ?)")) {
            merge.setLong(1, index);
            merge.setArray(2, apply.createArrayOf("VARCHAR", before.tables().toArray()));
            merge.setArray(3, apply.createArrayOf("VARCHAR", before.objects().toArray()));
            merge.setArray(4, apply.createArrayOf("VARCHAR", before.script().toArray()));
            merge.executeUpdate();
        }
        apply.commit();
        return before;
    }

    /** The mark left for the change at {@code index}, if this replica started it before (and crashed). */
    static Optional<Before> find(Connection apply, long index) throws SQLException {
        try (Statement s = apply.createStatement();
             ResultSet exists = s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES "
                     + "WHERE TABLE_SCHEMA = 'FLOTILLA' AND TABLE_NAME = 'SCHEMA_CHANGE_MARK'")) {
            exists.next();
            if (exists.getLong(1) == 0) {
                return Optional.empty();
            }
        }
        try (PreparedStatement select = apply.prepareStatement("SELECT TABLES_BEFORE, OBJECTS_BEFORE, SCRIPT_BEFORE "
                + "FROM FLOTILLA.SCHEMA_CHANGE_MARK WHERE ID = 0 AND APPLIED_INDEX = ?")) {
            select.setLong(1, index);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Before(index, strings(row.getArray(1)), strings(row.getArray(2)),
                        strings(row.getArray(3))));
            }
        }
    }

    /** Whether the change ran since the mark: the schema differs from the marked one. */
    static boolean ran(Before before, Set<String> scriptNow) {
        return !before.script().equals(scriptNow);
    }

    private static Set<String> strings(Array array) throws SQLException {
        Object[] values = (Object[]) array.getArray();
        return new HashSet<>(Arrays.asList(Arrays.copyOf(values, values.length, String[].class)));
    }
}
