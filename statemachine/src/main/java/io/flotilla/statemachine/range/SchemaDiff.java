package io.flotilla.statemachine.range;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a schema change changed, found the same way on every replica: H2 scripts the schema
 * ({@code SCRIPT NODATA}) before and after, and every statement that differs names the tables and
 * sequences it concerns. An {@code ALTER TABLE A} changes A's statements; a foreign key between B
 * and A names both; {@code CREATE TABLE C} names only C (and whatever C references).
 *
 * <p>A changed statement that names no table or sequence (a domain, an alias) may affect any
 * table, so the change is taken as range-wide. Views hold no rows and users, roles, grants,
 * comments and schemas shape no row image: those affect nothing.
 *
 * @param rangeWide every change set made against the old schema is refused
 * @param objects the tables and sequences affected, as {@code "SCHEMA"."NAME"}
 */
record SchemaDiff(boolean rangeWide, Set<String> objects) {

    static final SchemaDiff RANGE_WIDE = new SchemaDiff(true, Set.of());

    private static final Pattern QUALIFIED_NAME = Pattern.compile("\"((?:[^\"]|\"\")*)\"\\.\"((?:[^\"]|\"\")*)\"");
    private static final List<String> SHAPING_NO_ROWS = List.of("CREATE SCHEMA", "CREATE USER", "CREATE ROLE",
            "GRANT", "REVOKE", "COMMENT ON", "CREATE FORCE VIEW", "CREATE VIEW");

    SchemaDiff {
        objects = Set.copyOf(objects);
    }

    /** Whether a transaction that touched {@code touched} wrote against what this change altered. */
    boolean affects(Set<String> touched) {
        if (rangeWide) {
            return !touched.isEmpty();
        }
        for (String name : touched) {
            if (objects.contains(name)) {
                return true;
            }
        }
        return false;
    }

    private static final String RESERVED = "\"" + ClientStatementRules.RESERVED_SCHEMA + "\"";

    /**
     * The schema as statements, comments left out. {@code SCRIPT} commits the session's
     * transaction: call it between transactions.
     */
    static Set<String> script(Connection connection) throws SQLException {
        Set<String> statements = new HashSet<>();
        try (Statement s = connection.createStatement();
             ResultSet rows = s.executeQuery("SCRIPT NODATA NOPASSWORDS NOSETTINGS")) {
            while (rows.next()) {
                String statement = rows.getString(1);
                if (!statement.startsWith("--")) {
                    statements.add(statement);
                }
            }
        }
        return statements;
    }

    /**
     * The schema of the replicated data: {@link #script} without Flotilla's own schema, which no
     * client change can touch and which the node adds to outside the log (system views at start,
     * the schema change mark), so that it never shows as a difference a change made.
     */
    static Set<String> replicatedScript(Connection connection) throws SQLException {
        Set<String> statements = script(connection);
        statements.removeIf(statement -> statement.contains(RESERVED));
        return statements;
    }

    /** The replicated tables and the named sequences, as {@code "SCHEMA"."NAME"}. */
    static Set<String> objects(Connection connection) throws SQLException {
        Set<String> names = new TreeSet<>(ReplicatedTables.names(connection));
        try (Statement s = connection.createStatement();
             ResultSet rows = s.executeQuery("SELECT SEQUENCE_SCHEMA, SEQUENCE_NAME FROM INFORMATION_SCHEMA.SEQUENCES "
                     + "WHERE SEQUENCE_SCHEMA NOT IN ('INFORMATION_SCHEMA', 'FLOTILLA')")) {
            while (rows.next()) {
                names.add(ReplicatedTables.qualified(rows.getString(1), rows.getString(2)));
            }
        }
        return names;
    }

    /**
     * @param known the tables and sequences that existed before or exist after: only those count
     *        (constraint and index names are in the statements too)
     */
    static SchemaDiff between(Set<String> before, Set<String> after, Set<String> known) {
        Set<String> affected = new TreeSet<>();
        boolean allNamed = nameChanged(before, after, known, affected) && nameChanged(after, before, known, affected);
        return allNamed ? new SchemaDiff(false, affected) : RANGE_WIDE;
    }

    /**
     * Adds what the statements of {@code from} that {@code other} lacks name; false as soon as one
     * that may shape rows names nothing known.
     */
    private static boolean nameChanged(Set<String> from, Set<String> other, Set<String> known, Set<String> affected) {
        for (String statement : from) {
            if (other.contains(statement)) {
                continue;
            }
            String head = statement.stripLeading().toUpperCase(Locale.ROOT);
            if (SHAPING_NO_ROWS.stream().anyMatch(head::startsWith)) {
                continue;
            }
            boolean named = false;
            Matcher m = QUALIFIED_NAME.matcher(statement);
            while (m.find()) {
                if (known.contains(m.group())) {
                    affected.add(m.group());
                    named = true;
                }
            }
            if (!named) {
                return false;
            }
        }
        return true;
    }
}
