package io.flotilla.statemachine.range;

import io.flotilla.statemachine.changes.ChangeCapture;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Tries a DDL statement on an empty copy of the range's schema before the leader proposes it. H2
 * cannot roll DDL back, and once in the log a statement runs on every replica; so what would fail,
 * or leave a table that cannot be replicated (no primary key), is refused here with the statement's
 * own error and never reaches the log. The copy is an in-memory database holding the schema only,
 * so the cost is that of the schema, not of the data.
 */
final class SchemaDryRun {

    private SchemaDryRun() {
    }

    /**
     * @param source a connection to the range's database that is not inside a transaction
     *        ({@code SCRIPT} commits)
     */
    static void check(Connection source, String ddl) throws SQLException {
        List<String> schema = new ArrayList<>();
        try (Statement s = source.createStatement(); ResultSet rows = s.executeQuery("SCRIPT NODATA NOPASSWORDS NOSETTINGS")) {
            while (rows.next()) {
                schema.add(rows.getString(1));
            }
        }
        String url = "jdbc:h2:mem:flotilla-dry-run-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=0";
        try (Connection copy = DriverManager.getConnection(url, "sa", "");
             Statement s = copy.createStatement()) {
            for (String statement : schema) {
                s.execute(statement);
            }
            s.execute(ddl);
            new ChangeCapture(1).installAll(copy);
        }
    }
}
