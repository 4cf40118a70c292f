package io.flotilla.statemachine.range;

import io.flotilla.statemachine.changes.ChangeCapture;
import io.flotilla.statemachine.wire.SchemaChange;
import org.h2.api.ErrorCode;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Tries a DDL statement on an empty copy of the range's schema before the leader proposes it. H2
 * cannot roll DDL back, and once in the log a statement runs on every replica; so what would fail
 * is refused here with the statement's own error and never reaches the log. (A table left without
 * a primary key gets the hidden row key here as on every replica.) The copy is an in-memory database holding the schema only,
 * so the cost is that of the schema, not of the data.
 */
final class SchemaDryRun {

    private SchemaDryRun() {
    }

    /**
     * Refuses the change with its own error if it would fail.
     *
     * @param source a connection to the range's database that is not inside a transaction
     *        ({@code SCRIPT} commits)
     */
    static void check(Connection source, SchemaChange change) throws SQLException {
        diff(source, change);
    }

    /**
     * H2's own words, "attempt to define a second primary key", puzzle a user whose table shows
     * none: it is the hidden row key of a table created without one.
     */
    private static SQLException secondPrimaryKey(SQLException failure) {
        return new SQLException("a table created without a primary key cannot be given one later: Flotilla "
                + "keeps its rows under a hidden row key (" + ChangeCapture.ROW_KEY_COLUMN + "); create a table "
                + "with the key and copy the rows into it (" + failure.getMessage() + ")",
                SqlStates.NOT_SUPPORTED, failure);
    }

    /** Each replica keeps its own bookkeeping in the reserved schema: no client DDL may change it. */
    private static void refuseReservedSchemaChange(Set<String> before, Set<String> after) throws SQLException {
        String reserved = ReplicatedTables.quote(ClientStatementRules.RESERVED_SCHEMA);
        for (String statement : java.util.stream.Stream.concat(before.stream(), after.stream()).toList()) {
            if (!(before.contains(statement) && after.contains(statement)) && statement.contains(reserved + ".")) {
                throw new SQLException("not available on a replicated database: DDL on the "
                        + ClientStatementRules.RESERVED_SCHEMA + " schema, which holds each replica's own bookkeeping",
                        SqlStates.NOT_SUPPORTED);
            }
        }
    }

    /** What the change would alter, as {@link SchemaDiff} finds it on the copy. */
    static SchemaDiff diff(Connection source, SchemaChange change) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            String url = "jdbc:h2:mem:flotilla-dry-run-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=0";
            try (Connection copy = DriverManager.getConnection(url, "sa", "")) {
                try {
                    copySchema(source, copy);
                } catch (SQLException torn) {
                    // H2's DDL is not transactional: a SCRIPT taken while the apply thread runs a
                    // schema change can name a trigger of a table it does not list yet (the meta
                    // range's tables are created by nodes as they start). Taken again, it is whole.
                    if (attempt < 3) {
                        continue;
                    }
                    throw torn;
                }
                return diffOnCopy(copy, change);
            }
        }
    }

    private static void copySchema(Connection source, Connection copy) throws SQLException {
        List<String> schema = new ArrayList<>();
        try (Statement s = source.createStatement(); ResultSet rows = s.executeQuery("SCRIPT NODATA NOPASSWORDS NOSETTINGS")) {
            while (rows.next()) {
                schema.add(rows.getString(1));
            }
        }
        try (Statement s = copy.createStatement()) {
            for (String statement : schema) {
                s.execute(statement);
            }
        }
    }

    private static SchemaDiff diffOnCopy(Connection copy, SchemaChange change) throws SQLException {
        try (Statement s = copy.createStatement()) {
            Set<String> known = SchemaDiff.objects(copy);
            Set<String> before = SchemaDiff.script(copy);
            if (!change.getSchema().isEmpty()) {
                s.execute("SET SCHEMA " + ReplicatedTables.quote(change.getSchema()));
            }
            try {
                s.execute(change.getSql());
            } catch (SQLException failure) {
                throw failure.getErrorCode() == ErrorCode.SECOND_PRIMARY_KEY ? secondPrimaryKey(failure) : failure;
            }
            s.execute("SET SCHEMA PUBLIC");
            new ChangeCapture(1).installAll(copy);
            known.addAll(SchemaDiff.objects(copy));
            Set<String> after = SchemaDiff.script(copy);
            refuseReservedSchemaChange(before, after);
            return SchemaDiff.between(before, after, known);
        }
    }
}
