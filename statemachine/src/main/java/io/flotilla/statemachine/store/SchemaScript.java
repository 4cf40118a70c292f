package io.flotilla.statemachine.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The database's schema as H2 itself scripts it ({@code SCRIPT NODATA}), split into what must exist
 * before rows are loaded and what should be created after them.
 *
 * <p>H2 emits users, schemas, domains, sequences (with their current values), then per table its
 * {@code CREATE TABLE} (identity columns with their next values), primary key and indexes, then
 * every other constraint, triggers, grants and comments. The primary key stays before the rows:
 * H2 picks a table's storage key from it only while the table is empty. Other indexes, constraints
 * and everything after them move behind the rows.
 */
record SchemaScript(List<String> beforeRows, List<String> afterRows) {

    private static final Pattern CREATE_TABLE = Pattern.compile(
            "CREATE (MEMORY |CACHED )?((GLOBAL |LOCAL )?TEMPORARY )?(FORCE )?(LINKED )?TABLE .*", Pattern.DOTALL);
    private static final Pattern CREATE_INDEX = Pattern.compile(
            "CREATE (UNIQUE )?(NULLS DISTINCT |NULLS NOT DISTINCT |ALL NULLS DISTINCT )?(HASH )?(SPATIAL )?INDEX .*",
            Pattern.DOTALL);
    private static final Pattern AFTER_TABLES = Pattern.compile(
            "(ALTER TABLE|CREATE (FORCE )?TRIGGER|GRANT|COMMENT ON|CREATE (FORCE )?MATERIALIZED VIEW) .*",
            Pattern.DOTALL);

    SchemaScript {
        beforeRows = List.copyOf(beforeRows);
        afterRows = List.copyOf(afterRows);
    }

    /**
     * Scripts the schema. {@code SCRIPT} commits the session's transaction, so this must not run on
     * a connection whose transaction is meant to last.
     */
    static SchemaScript of(Connection connection) throws SQLException {
        List<String> before = new ArrayList<>();
        List<String> indexes = new ArrayList<>();
        List<String> tail = new ArrayList<>();
        boolean afterCreateTable = false;
        boolean inTail = false;
        try (Statement statement = connection.createStatement();
             ResultSet script = statement.executeQuery("SCRIPT NODATA NOVERSION")) {
            while (script.next()) {
                String sql = script.getString(1);
                if (sql.startsWith("--")) {
                    continue;
                }
                boolean primaryKey = afterCreateTable && sql.startsWith("ALTER TABLE ");
                afterCreateTable = CREATE_TABLE.matcher(sql).matches();
                if (!inTail && !primaryKey && AFTER_TABLES.matcher(sql).matches()) {
                    inTail = true;
                }
                if (inTail) {
                    tail.add(sql);
                } else if (CREATE_INDEX.matcher(sql).matches()) {
                    indexes.add(sql);
                } else {
                    before.add(sql);
                }
            }
        }
        List<String> after = new ArrayList<>(indexes);
        after.addAll(tail);
        return new SchemaScript(before, after);
    }
}
