package io.flotilla.sql.server;

import io.flotilla.protocol.CommitHoldId;
import io.flotilla.protocol.Lsn;
import io.flotilla.protocol.PreparedTransaction;
import io.flotilla.protocol.ReadIndex;
import io.flotilla.protocol.ReadIndexResult;
import io.flotilla.raft.core.CommitHold;
import io.flotilla.raft.host.GroupUnavailableException;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.Waits;
import io.flotilla.statemachine.range.CutPosition;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.SqlStates;

import java.sql.SQLException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A leader's side of {@link ReadIndex}: an index holding every write committed before the question
 * arrived, given only once this replica has confirmed it still leads (a lease read, or a ReadIndex
 * round when it holds no lease) and has applied that far.
 */
final class ReadIndexAnswer {

    /** A leader that cannot reach a quorum for this long steps down anyway (CheckQuorum). */
    static final long CONFIRM_TIMEOUT_SECONDS = 5;

    private ReadIndexAnswer() {
    }

    private static CutPosition cutPosition(RangeReplica replica) {
        try {
            return replica.cutPosition();
        } catch (SQLException e) {
            throw new UncheckedSqlException(e);
        }
    }

    /** A failure to read the replica's cut position, out of the group thread's supplier. */
    private static final class UncheckedSqlException extends RuntimeException {
        UncheckedSqlException(SQLException cause) {
            super(cause);
        }

        @Override
        public synchronized SQLException getCause() {
            return (SQLException) super.getCause();
        }
    }

    static ReadIndexResult of(Node node, ReadIndex question) throws SQLException {
        long range = question.getRange();
        RangeReplica replica = node.replicas().get(range);
        if (replica == null) {
            throw new SQLException("range " + range + " has no replica on node " + node.id(), SqlStates.UNAVAILABLE);
        }
        // Through the node's waits: in the whole-stack simulator, time is the simulator's.
        Waits waits = node.environment().waits();
        long confirmTimeout = TimeUnit.SECONDS.toNanos(CONFIRM_TIMEOUT_SECONDS);
        try {
            if (question.hasRelease()) {
                CommitHoldId hold = question.getRelease();
                waits.await(node.host().inspect(range, raft -> {
                    raft.releaseCommits(hold.getTerm(), hold.getId());
                    return Boolean.TRUE;
                }), confirmTimeout);
                return ReadIndexResult.getDefaultInstance();
            }
            ReadIndexResult.Builder out = ReadIndexResult.newBuilder();
            if (question.getHoldCommitsMillis() > 0) {
                // Should the read below fail, the hold lapses by itself.
                long nanos = TimeUnit.MILLISECONDS.toNanos(question.getHoldCommitsMillis());
                CommitHold hold = waits.await(node.host().inspect(range, raft -> raft.holdCommits(nanos)), confirmTimeout);
                if (!(hold instanceof CommitHold.Held held)) {
                    throw new SQLException("range " + range + ": node " + node.id() + " does not lead it",
                            SqlStates.NOT_LEADER);
                }
                out.setHold(CommitHoldId.newBuilder().setTerm(held.term()).setId(held.id()));
            }
            // Runs on the group's thread once the read is confirmed and applied: the replica is there.
            if (question.getWithPrepared()) {
                CutPosition at = waits.await(node.host().read(range, () -> cutPosition(replica)), confirmTimeout);
                out.setLsn(Lsn.newBuilder().setRange(range).setIndex(at.applied()));
                for (CutPosition.Prepared p : at.prepared()) {
                    out.addPrepared(PreparedTransaction.newBuilder().setTxn(p.txn()).setRecordRange(p.recordRange()));
                }
                return out.build();
            }
            long index = waits.await(node.host().read(range, replica::applied), confirmTimeout);
            return out.setLsn(Lsn.newBuilder().setRange(range).setIndex(index)).build();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedSqlException u) {
                throw u.getCause();
            }
            if (e.getCause() instanceof GroupUnavailableException g
                    && g.reason() == GroupUnavailableException.Reason.REFUSED) {
                throw new SQLException("range " + range + ": node " + node.id() + " does not lead it"
                        + (g.leaderHint() != 0 ? " (leader: node " + g.leaderHint() + ")" : ""), SqlStates.NOT_LEADER, g);
            }
            throw new SQLException("range " + range + ": node " + node.id() + " could not confirm it leads: "
                    + e.getCause(), SqlStates.UNAVAILABLE, e.getCause());
        } catch (TimeoutException e) {
            throw new SQLException("range " + range + ": node " + node.id() + " could not confirm it leads within "
                    + CONFIRM_TIMEOUT_SECONDS + " s", SqlStates.UNAVAILABLE, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", SqlStates.UNAVAILABLE, e);
        }
    }
}
