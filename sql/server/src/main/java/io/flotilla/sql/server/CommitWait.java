package io.flotilla.sql.server;

import io.flotilla.sql.node.Waits;
import io.flotilla.statemachine.range.Outcome;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.SqlStates;

import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client session's wait for the outcome of a write it proposed to the data range: the outcome,
 * a refusal as its SQLException, or, when the wait ends without either, why the outcome is not
 * known here.
 *
 * <p>A replica that stopped leading learns the outcome as a follower once the new leader commits
 * past the entry, or that the entry lost its place; cut off from the others it never does, and
 * its client would wait out the whole timeout. So after one election timeout without leading, the
 * client is told at once: an auto-commit write is to be resent under its sequence to the leader
 * (08F03), an explicit commit's outcome is unknown (40003).
 */
final class CommitWait {

    /** What a client may do with a write in flight when this replica stops leading before its outcome is known. */
    enum IfLeadershipLost {
        /** An auto-commit write: resent under its sequence to the leader, which can tell (08F03). */
        RESEND_ELSEWHERE,
        /** An explicit transaction's commit: nothing else holds the transaction (40003). */
        OUTCOME_UNKNOWN
    }

    /** What the session does when a wait ends without an outcome. */
    interface Abandon {
        void run() throws SQLException;
    }

    static final long TIMEOUT_SECONDS = 30;
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);

    private final RangeReplica replica;
    private final Waits waits;
    private final long electionTimeoutNanos;
    private final Abandon abandon;

    /**
     * @param replica the replica the writes were proposed on
     * @param abandon run when the wait ends without an outcome: the proposed transaction keeps the
     *        range session's connection until its entry applies, so the session's next statement
     *        must start on a new one
     */
    CommitWait(RangeReplica replica, Waits waits, long electionTimeoutNanos, Abandon abandon) {
        this.replica = replica;
        this.waits = waits;
        this.electionTimeoutNanos = electionTimeoutNanos;
        this.abandon = abandon;
    }

    /**
     * @param budget the client's: once it is spent, a replica that does not lead answers at once
     *        instead of after the election timeout's grace (while it leads, the wait goes on: the
     *        write may just be slow to commit, and CheckQuorum ends the leadership of a replica cut off)
     */
    Outcome await(CompletableFuture<Outcome> pending, IfLeadershipLost ifLost, FailoverBudget budget)
            throws SQLException {
        long deadline = waits.nanoTime() + TIMEOUT_NANOS;
        long grace = electionTimeoutNanos;
        long notLeadingSince = Long.MIN_VALUE;
        try {
            while (true) {
                long left = deadline - waits.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException();
                }
                Outcome o;
                try {
                    o = waits.await(pending, Math.min(left, grace / 4));
                } catch (TimeoutException slice) {
                    if (replica.serving()) {
                        notLeadingSince = Long.MIN_VALUE;
                    } else {
                        if (notLeadingSince == Long.MIN_VALUE) {
                            notLeadingSince = waits.nanoTime();
                        }
                        if (waits.nanoTime() - notLeadingSince >= grace || budget.spent(waits)) {
                            abandon.run();
                            throw leadershipLost(ifLost);
                        }
                    }
                    continue;
                }
                if (o instanceof Outcome.Refused r) {
                    throw r.toException();
                }
                return o;
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new SQLException("the commit failed: " + e.getCause(), SqlStates.OUTCOME_UNKNOWN, e.getCause());
        } catch (TimeoutException e) {
            abandon.run();
            throw new SQLException("no answer from the range within " + TIMEOUT_SECONDS
                    + " s: the outcome of the commit is unknown", SqlStates.OUTCOME_UNKNOWN, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon.run();
            throw new SQLException("interrupted: the outcome of the commit is unknown", SqlStates.OUTCOME_UNKNOWN, e);
        }
    }

    private SQLException leadershipLost(IfLeadershipLost ifLost) {
        String what = "range " + replica.range() + ": this replica stopped leading while the write was in flight";
        return ifLost == IfLeadershipLost.RESEND_ELSEWHERE
                ? new SQLException(what + ", and cannot tell its outcome: resend it under the same session sequence "
                        + "to the leader", SqlStates.OUTCOME_AT_LEADER)
                : new SQLException(what + "; the outcome of the commit is unknown", SqlStates.OUTCOME_UNKNOWN);
    }
}
