package io.flotilla.statemachine.range;

import io.flotilla.statemachine.changes.ChangeCapture;
import io.flotilla.statemachine.changes.EmbeddedSession;
import io.flotilla.statemachine.wire.SchemaChange;
import org.h2.api.ErrorCode;
import org.h2.command.Prepared;
import org.h2.command.ddl.AlterSchemaRename;
import org.h2.command.ddl.AlterTableRename;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Schema changes of a range: checked by the leader on a copy of the schema before they are
 * proposed, and run by every replica at their place in the log. On the leader, the held
 * transactions that touched what a change alters end first (their locks would make it wait on this
 * replica alone, and their change sets would be refused anyway); the others carry on under the new
 * schema version.
 */
final class SchemaChanges {

    private final long range;
    private final ChangeCapture capture;
    private final HeldTransactions held;

    SchemaChanges(long range, ChangeCapture capture, HeldTransactions held) {
        this.range = range;
        this.capture = capture;
        this.held = held;
    }

    /** The leader's check before proposing: a change that fails on a copy of the schema never reaches the log. */
    static SchemaChange checked(Connection client, String ddl) throws SQLException {
        return checked(client, ddl, Optional.empty());
    }

    /**
     * As {@link #checked(Connection, String)}, for a change fanned out to every range once the
     * tables are split ({@link SchemaLog}): it must be one whose outcome no range's rows can change
     * ({@link SplitSchemaRules}), and one with a place in the log is parsed and run in the schema
     * it ran in at the first data range.
     */
    static SchemaChange checked(Connection client, String ddl, Optional<SchemaLog.Place> fannedOut) throws SQLException {
        String sessionSchema = client.getSchema();
        boolean elsewhere = fannedOut.isPresent() && fannedOut.get().given()
                && !fannedOut.get().schema().equals(sessionSchema);
        if (elsewhere) {
            client.setSchema(fannedOut.get().schema());
        }
        try {
            Prepared prepared = EmbeddedSession.prepare(client, ddl);
            if (fannedOut.isPresent()) {
                SplitSchemaRules.check(prepared);
            }
            SchemaChange.Builder change = SchemaChange.newBuilder().setSql(ddl).setSchema(client.getSchema())
                    .setRenamesTables(prepared instanceof AlterTableRename || prepared instanceof AlterSchemaRename);
            fannedOut.ifPresent(place -> change.setFannedOut(true).setLogSeq(place.seq()));
            SchemaChange built = change.build();
            SchemaDryRun.check(client, built);
            return built;
        } finally {
            if (elsewhere) {
                client.setSchema(sessionSchema);
            }
        }
    }

    /**
     * Runs the change at index {@code index} on the apply session, in its open transaction (the
     * caller records the bookkeeping and commits), and records the new schema version in
     * {@code schema}. Returns its outcome: a change that fails here fails alike on every replica.
     */
    Outcome apply(Connection apply, long index, SchemaChange change, SchemaVersions schema) throws SQLException {
        String because = "a schema change applied (index " + index + ") altered what it touched";
        Outcome outcome;
        SchemaDiff diff = null;
        held.lockOutStatements();
        try {
            // Taken before the DDL runs: sequences and identity columns it creates are new to
            // every transaction's sequence positions, but none of them can have drawn from them.
            Map<HeldTransaction, Set<String>> touched = held.touched();
            // Transactions it will alter things under end before it waits on their locks; the
            // others go on, adopting the new version (nothing they touched changed).
            held.endTouching(expectedDiff(apply, change, touched), touched, because);
            // A mark left for this index means the replica started this change before and crashed
            // before the entry counted as applied: the change may have run (H2 committed it apart).
            Optional<SchemaChangeMark.Before> earlier = SchemaChangeMark.find(apply, index);
            SchemaChangeMark.Before before = earlier.isPresent() ? earlier.get() : SchemaChangeMark.mark(apply, index);
            Set<String> tablesBefore = before.tables();
            Set<String> known = new HashSet<>(before.objects());
            Set<String> scriptBefore = before.script();
            boolean ranBefore = earlier.isPresent() && SchemaChangeMark.ran(before, SchemaDiff.replicatedScript(apply));
            try {
                if (!ranBefore) {
                    execute(apply, change, touched);
                }
                outcome = installCapture(apply, tablesBefore);
            } catch (SQLException failure) {
                apply.rollback();
                if (local(failure)) {
                    // Not what the statement does but what happened here: refusing it would make this
                    // replica's outcome differ from the others'. The replica fails instead, loudly.
                    throw failure;
                }
                outcome = new Outcome.Refused(failure.getSQLState() == null ? "42000" : failure.getSQLState(),
                        failure.getMessage());
            }
            if (outcome instanceof Outcome.Applied) {
                known.addAll(SchemaDiff.objects(apply));
                diff = SchemaDiff.between(scriptBefore, SchemaDiff.replicatedScript(apply), known);
                held.endTouching(diff, touched, because);
                held.adoptSchemaVersion(index);
            }
        } finally {
            held.letStatementsIn();
        }
        if (diff == null) {
            return outcome;
        }
        // After the SCRIPT the diff ran, which commits: the ids are written in the transaction that
        // records the entry as applied, so a crash before it replays them with the change.
        TableIds.reconcile(apply, index, change.getRenamesTables());
        schema.changed(apply, index, diff);
        return new Outcome.Applied(range, index);
    }

    /** Errors that come from this replica's circumstances (a lock, a cancel, the disk), not from the DDL. */
    private static boolean local(SQLException failure) {
        return switch (failure.getErrorCode()) {
            case ErrorCode.LOCK_TIMEOUT_1, ErrorCode.STATEMENT_WAS_CANCELED, ErrorCode.DATABASE_IS_CLOSED,
                 ErrorCode.IO_EXCEPTION_1, ErrorCode.IO_EXCEPTION_2, ErrorCode.FILE_CORRUPTED_1,
                 ErrorCode.OUT_OF_MEMORY, ErrorCode.GENERAL_ERROR_1 -> true;
            default -> false;
        };
    }

    /**
     * What the change is expected to alter, from a dry run on a copy of the schema: known before
     * it runs, so the transactions in its way end first. Only a leader holds transactions; where
     * none touched anything there is nothing to find out.
     */
    private static SchemaDiff expectedDiff(Connection apply, SchemaChange change, Map<HeldTransaction, Set<String>> touched) {
        boolean anyTouched = false;
        for (Set<String> names : touched.values()) {
            anyTouched |= names == null || !names.isEmpty();
        }
        if (!anyTouched) {
            return new SchemaDiff(false, Set.of());
        }
        try {
            return SchemaDryRun.diff(apply, change);
        } catch (SQLException failure) {
            // It will fail here too, or the copy differs: end every transaction that touched anything.
            return SchemaDiff.RANGE_WIDE;
        }
    }

    /**
     * Runs the DDL in the schema its session was in. Should a transaction the expectation missed
     * hold a lock it needs (the wait would time out here alone), every transaction that touched
     * anything ends and it runs again.
     */
    private void execute(Connection apply, SchemaChange change, Map<HeldTransaction, Set<String>> touched)
            throws SQLException {
        try {
            runIn(apply, change);
        } catch (SQLException failure) {
            if (failure.getErrorCode() != ErrorCode.LOCK_TIMEOUT_1 || held.isEmpty()) {
                throw failure;
            }
            apply.rollback();
            held.endTouching(SchemaDiff.RANGE_WIDE, touched, "a schema change applied and needed its locks");
            runIn(apply, change);
        }
    }

    private static void runIn(Connection apply, SchemaChange change) throws SQLException {
        try (Statement s = apply.createStatement()) {
            if (!change.getSchema().isEmpty()) {
                s.execute("SET SCHEMA " + ReplicatedTables.quote(change.getSchema()));
            }
            try {
                s.execute(change.getSql());
            } finally {
                s.execute("SET SCHEMA PUBLIC");
            }
        }
    }

    /**
     * Puts capture on the tables a schema change created, with a hidden row key where they have no
     * primary key. Should that fail the same way everywhere (a column of the row key's name, say),
     * the tables the change created are dropped again, on every replica alike, and it is refused.
     */
    private Outcome installCapture(Connection apply, Set<String> before) throws SQLException {
        try {
            capture.installAll(apply);
            return new Outcome.Applied(range, 0);
        } catch (SQLException failure) {
            if (local(failure)) {
                throw failure;
            }
            for (String table : ReplicatedTables.names(apply)) {
                if (!before.contains(table)) {
                    try (Statement s = apply.createStatement()) {
                        s.execute("DROP TABLE " + table + " CASCADE");
                    }
                }
            }
            capture.installAll(apply);
            return new Outcome.Refused(failure.getSQLState() == null ? "42000" : failure.getSQLState(),
                    failure.getMessage());
        }
    }
}
