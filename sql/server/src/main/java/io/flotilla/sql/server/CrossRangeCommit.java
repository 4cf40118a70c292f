package io.flotilla.sql.server;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.CommitResult;
import io.flotilla.protocol.Error;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.Rollback;
import io.flotilla.protocol.TransactionStep;
import io.flotilla.sql.node.Waits;
import io.flotilla.statemachine.range.SqlStates;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * The commit of a client transaction that wrote in more than one range, as its coordinator (the
 * node the client's session is on) runs it (docs/ranges.md, "Cross-range transactions"):
 *
 * <ol>
 *   <li>each range that wrote prepares its part, the record range first, whose prepare also creates
 *       the transaction's record ({@code PENDING}, naming every participant);
 *   <li>the record range decides: commit, the commit point; its own part is resolved in the same entry;
 *   <li>every other participant resolves its part, and only then is the client answered, so that
 *       its next statement, anywhere, sees the whole transaction;
 *   <li>the record range forgets the record, which nobody needs once every part is resolved.
 * </ol>
 *
 * A prepare that fails aborts the transaction (the record range decides abort, which also settles a
 * prepare whose outcome was unknown) and the client hears 40001. A decision whose answer is lost is
 * asked again (deciding is idempotent); one never answered leaves the outcome unknown (40003). A
 * participant whose resolve is never answered resolves itself from the record
 * ({@code PreparedRecovery}); the client is answered that the transaction committed, which it did.
 * Ranges the transaction only read commit after the decision, as plain commits.
 *
 * <p>The steps run one range after another: a transaction over N ranges takes about 2N + 1 rounds
 * of its ranges' logs. Prepares in parallel are a later step.
 */
final class CrossRangeCommit {

    private static final System.Logger LOG = System.getLogger(CrossRangeCommit.class.getName());
    /** How long the coordinator keeps asking for a decision or a resolve whose answer was lost. */
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(CommitWait.TIMEOUT_SECONDS);
    /** Between two asks: a range without a leader has one again within an election or two. */
    private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** How the coordinator reaches each range of the transaction: the client session's lanes. */
    interface Ranges {
        /** A step of the transaction in {@code range}, at its leader. */
        Response step(long range, TransactionStep step, Request on);

        /** A plain commit or rollback of the session's transaction in {@code range}. */
        Response end(long range, Request on);
    }

    private final Waits waits;
    private final RandomGenerator random;

    CrossRangeCommit(Waits waits, RandomGenerator random) {
        this.waits = waits;
        this.random = random;
    }

    /**
     * Commits the transaction whose writes are in {@code writers} (two or more, the record range
     * first) and whose other open ranges are {@code readers}; answers {@code commit} as a commit's answer.
     */
    Response run(Request commit, List<Long> writers, List<Long> readers, Ranges ranges) {
        byte[] id = new byte[16];
        synchronized (random) {
            random.nextBytes(id);
        }
        ByteString txn = ByteString.copyFrom(id);
        long record = writers.get(0);
        List<Long> prepared = new ArrayList<>();
        for (long range : writers) {
            TransactionStep.Builder prepare = TransactionStep.newBuilder().setKind(TransactionStep.Kind.PREPARE)
                    .setTxn(txn).setRecordRange(record);
            if (range == record) {
                prepare.addAllParticipants(writers);
            }
            Response answer = ranges.step(range, prepare.build(), commit);
            if (answer.hasError()) {
                return abort(commit, txn, record, writers, readers, prepared, range, answer.getError(), ranges);
            }
            prepared.add(range);
        }
        Response decided = settle(commit, txn, record, true, ranges);
        if (decided.hasError()) {
            if (SqlStates.ROLLED_BACK.equals(decided.getError().getSqlState())) {
                // A participant's recovery gave up on the transaction first: nothing of it commits.
                resolveAll(commit, txn, writers, record, false, ranges);
                endAll(commit, readers, ranges);
            }
            return decided;
        }
        if (resolveAll(commit, txn, writers, record, true, ranges)) {
            // Every part is resolved: nobody will ask the record again.
            Response forgot = ranges.step(record, TransactionStep.newBuilder().setKind(TransactionStep.Kind.FORGET)
                    .setTxn(txn).build(), commit);
            if (forgot.hasError()) {
                LOG.log(System.Logger.Level.DEBUG, "the record of transaction " + hex(txn) + " stays in range " + record
                        + " for its retention: " + forgot.getError().getMessage());
            }
        }
        endAll(commit, readers, ranges);
        return Response.newBuilder().setId(commit.getId())
                .setCommit(CommitResult.newBuilder().setLsn(decided.getCommit().getLsn())).build();
    }

    /** A prepare failed in {@code failedIn}: the transaction is aborted everywhere; the client hears 40001. */
    private Response abort(Request commit, ByteString txn, long record, List<Long> writers, List<Long> readers,
                           List<Long> prepared, long failedIn, Error why, Ranges ranges) {
        // The record range decides abort even when its own prepare is what failed: a prepare whose
        // outcome is unknown may still apply, and the decision is what keeps it from ever committing.
        Response decided = settle(commit, txn, record, false, ranges);
        if (!decided.hasError()) {
            // Cannot happen: a commit is decided only by a coordinator that saw every prepare.
            LOG.log(System.Logger.Level.ERROR, "transaction " + hex(txn) + " is recorded committed although its "
                    + "prepare in range " + failedIn + " failed");
        }
        for (long range : writers) {
            if (range != record && (prepared.contains(range) || range == failedIn)) {
                settleResolve(commit, txn, range, false, ranges);
            } else if (!prepared.contains(range) && range != failedIn) {
                ranges.end(range, rollback(commit));
            }
        }
        for (long range : readers) {
            ranges.end(range, rollback(commit));
        }
        boolean rolledBack = SqlStates.ROLLED_BACK.equals(why.getSqlState());
        boolean known = !decided.hasError() || SqlStates.ROLLED_BACK.equals(decided.getError().getSqlState());
        String state = known ? SqlStates.ROLLED_BACK : SqlStates.OUTCOME_UNKNOWN;
        String message = rolledBack ? why.getMessage() : "the transaction was rolled back: range " + failedIn
                + " could not prepare its part (" + why.getSqlState() + ": " + why.getMessage() + ")";
        return Response.newBuilder().setId(commit.getId()).setError(Error.newBuilder().setSqlState(state)
                .setMessage(known ? message : message + "; and its record range did not answer the abort, so "
                        + "the outcome is unknown")).build();
    }

    /**
     * The record range's decision, asked again while its answer is lost: an answer with the LSN if
     * it says committed, 40001 if it says aborted, 40003 if it never answered.
     */
    private Response settle(Request commit, ByteString txn, long record, boolean toCommit, Ranges ranges) {
        TransactionStep decide = TransactionStep.newBuilder().setKind(TransactionStep.Kind.DECIDE).setTxn(txn)
                .setCommit(toCommit).build();
        Response answer = askUntil(record, decide, commit, ranges,
                a -> !a.hasError() || SqlStates.ROLLED_BACK.equals(a.getError().getSqlState()));
        if (answer.hasError() && !SqlStates.ROLLED_BACK.equals(answer.getError().getSqlState())) {
            return Response.newBuilder().setId(commit.getId()).setError(Error.newBuilder()
                    .setSqlState(SqlStates.OUTCOME_UNKNOWN).setMessage("the record range " + record
                            + " of the transaction did not answer its decision: the outcome is unknown ("
                            + answer.getError().getMessage() + ")")).build();
        }
        return answer;
    }

    /** Asks {@code range} to take {@code step} again while its answer is not {@code definitive}, until the settle deadline; the last answer. */
    private Response askUntil(long range, TransactionStep step, Request commit, Ranges ranges,
                              Predicate<Response> definitive) {
        long deadline = waits.nanoTime() + SETTLE_NANOS;
        while (true) {
            Response answer = ranges.step(range, step, commit);
            if (definitive.test(answer) || waits.nanoTime() - deadline >= 0) {
                return answer;
            }
            pause();
        }
    }

    private void pause() {
        try {
            waits.sleep(PAUSE_NANOS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Resolves every part but the record range's; whether all of them answered. */
    private boolean resolveAll(Request commit, ByteString txn, List<Long> writers, long record, boolean toCommit,
                               Ranges ranges) {
        boolean all = true;
        for (long range : writers) {
            if (range != record) {
                all &= settleResolve(commit, txn, range, toCommit, ranges);
            }
        }
        return all;
    }

    /** A participant's resolve, asked again while its answer is lost; recovery's to finish after that. Whether it answered. */
    private boolean settleResolve(Request commit, ByteString txn, long range, boolean toCommit, Ranges ranges) {
        TransactionStep resolve = TransactionStep.newBuilder().setKind(TransactionStep.Kind.RESOLVE).setTxn(txn)
                .setCommit(toCommit).build();
        Response answer = askUntil(range, resolve, commit, ranges, a -> !a.hasError());
        if (answer.hasError()) {
            LOG.log(System.Logger.Level.WARNING, "range " + range + " did not answer the resolve ("
                    + (toCommit ? "commit" : "abort") + ") of transaction " + hex(txn) + ": it resolves its part "
                    + "itself from the record (" + answer.getError().getMessage() + ")");
            return false;
        }
        return true;
    }

    private static void endAll(Request commit, List<Long> readers, Ranges ranges) {
        for (long range : readers) {
            Response answer = ranges.end(range, commit);
            if (answer.hasError()) {
                LOG.log(System.Logger.Level.DEBUG, "ending the read-only part in range " + range + " failed: "
                        + answer.getError().getMessage());
            }
        }
    }

    private static Request rollback(Request on) {
        return Request.newBuilder().setId(on.getId()).setFailoverBudgetMillis(on.getFailoverBudgetMillis())
                .setRollback(Rollback.getDefaultInstance()).build();
    }

    static String hex(ByteString txn) {
        return HexFormat.of().formatHex(txn.toByteArray());
    }
}
