package io.flotilla.sql.server;

import io.flotilla.protocol.Commit;
import io.flotilla.protocol.Error;
import io.flotilla.protocol.Execute;
import io.flotilla.protocol.ExecuteResult;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.Rollback;
import io.flotilla.protocol.TransactionStep;
import io.flotilla.protocol.UpdateCount;
import io.flotilla.sql.node.Waits;
import io.flotilla.statemachine.range.SqlStates;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A client session's transaction across the ranges it reached (docs/ranges.md, "Cross-range
 * transactions"): which ranges it wrote in, its commit or rollback in each (a {@link
 * CrossRangeCommit} where it wrote in several), and the changes whose keys span ranges that run
 * as parts of it ({@link RangePlanner.WritesAcross}). The session's lanes carry every statement.
 */
final class SessionTransaction {

    private static final System.Logger LOG = System.getLogger(SessionTransaction.class.getName());

    /** How the transaction reaches its ranges: the session's lanes. */
    interface Lanes {
        RangeLane lane(long range);

        /** The lane where the session's last statement ran. */
        RangeLane current();

        /** The lanes with a transaction open, in range order. */
        List<RangeLane> open();

        /** A statement in a lane: here, or at the range's leader. */
        Response execute(RangeLane lane, Request request);

        /** A commit or rollback in a lane. */
        Response end(RangeLane lane, Request request);

        /** A step of a commit across ranges, at the range's leader. */
        Response step(long range, TransactionStep step, Request on);
    }

    private final Lanes lanes;
    private final CrossRangeCommit commit;
    private final CrossRangeCommit.Ranges ranges;
    /** The ranges the open transaction wrote in, in the order it first wrote there. */
    private final List<Long> writers = new ArrayList<>();

    SessionTransaction(Lanes lanes, Waits waits, RandomGenerator random) {
        this.lanes = lanes;
        this.commit = new CrossRangeCommit(waits, random);
        this.ranges = new CrossRangeCommit.Ranges() {
            @Override
            public Response step(long range, TransactionStep step, Request on) {
                return lanes.step(range, step, on);
            }

            @Override
            public Response end(long range, Request on) {
                return lanes.end(lanes.lane(range), on);
            }
        };
    }

    /** A statement of the open transaction wrote in {@code range}. */
    void wrote(long range) {
        if (!writers.contains(range)) {
            writers.add(range);
        }
    }

    /**
     * A statement's answer, once the session saw it: one of class 40 (40001 above all) ends the whole
     * transaction for the client, as H2 and PostgreSQL mean it and as the driver takes it (it sends no
     * rollback after one), so the transaction's parts in every other range end here too. One left
     * open would join the client's next transaction: the network tests' ledger saw a debit whose
     * credit failed so committed with the next transfer.
     */
    Response afterStatement(Response answer) {
        if (answer.hasError() && answer.getError().getSqlState().startsWith("40") && !lanes.open().isEmpty()) {
            try {
                Response rolledBack = end(Request.newBuilder().setId(answer.getId())
                        .setRollback(Rollback.getDefaultInstance()).build());
                if (rolledBack.hasError()) {
                    LOG.log(System.Logger.Level.DEBUG, "rolling back the rest of a transaction after "
                            + answer.getError().getSqlState() + " failed: " + rolledBack.getError().getMessage());
                }
            } catch (SQLException e) {
                LOG.log(System.Logger.Level.DEBUG, "rolling back the rest of a transaction after "
                        + answer.getError().getSqlState() + " failed", e);
            }
        }
        return answer;
    }

    /**
     * A commit or rollback: of the transaction's one range as ever, or of each range it reached;
     * a commit of writes in several ranges is a {@link CrossRangeCommit}.
     */
    Response end(Request request) throws SQLException {
        List<RangeLane> open = lanes.open();
        boolean savepoint = request.hasRollback() && !request.getRollback().getSavepoint().isEmpty();
        if (open.size() <= 1) {
            if (!savepoint) {
                writers.clear();
            }
            return lanes.end(open.isEmpty() ? lanes.current() : open.get(0), request);
        }
        if (savepoint) {
            throw new SQLException("savepoints of a transaction across ranges are not supported yet; roll back the "
                    + "whole transaction", SqlStates.NOT_SUPPORTED);
        }
        List<Long> written = new ArrayList<>();
        List<Long> read = new ArrayList<>();
        for (RangeLane lane : open) {
            (writers.contains(lane.range()) ? written : read).add(lane.range());
        }
        // The record range first: the range the transaction wrote in first.
        written.sort((a, b) -> Integer.compare(writers.indexOf(a), writers.indexOf(b)));
        writers.clear();
        if (request.hasCommit() && written.size() > 1) {
            return commit.run(request, written, read, ranges);
        }
        // One range wrote (or none): its commit is the transaction's; the others only read.
        List<Long> order = new ArrayList<>(written);
        order.addAll(read);
        Response first = null;
        for (long range : order) {
            Response answer = lanes.end(lanes.lane(range), first != null && first.hasError() && request.hasCommit()
                    ? Request.newBuilder(request).clearCommit().setRollback(Rollback.getDefaultInstance()).build()
                    : request);
            if (first == null) {
                first = answer;
            }
        }
        return first;
    }


    /**
     * A change whose keys lie in several ranges: its part in each, in the session's transaction
     * there (auto-commit: one begun for it, then committed across ranges as one). The update
     * counts add up; a batch's counts come back in the batch's order. A part that fails undoes the
     * whole transaction (40001 inside one: a change must not stand in some ranges only).
     */
    Response writeAcross(Request request, RangePlanner.WritesAcross writes, boolean readCommitted) throws SQLException {
        Execute e = request.getExecute();
        if (!readCommitted) {
            throw new SQLException("the statement writes keys of more than one range, which runs at READ COMMITTED "
                    + "only, for now; nothing was applied", SqlStates.NOT_SUPPORTED);
        }
        boolean auto = e.getAutoCommit();
        long total = 0;
        long[] counts = new long[e.getBatchCount()];
        for (RangePlanner.Part part : writes.parts()) {
            Response answer = lanes.execute(lanes.lane(part.range()), request.toBuilder().setRange(part.range())
                    .setExecute(part.execute().toBuilder().setAutoCommit(false).setSequence(0)).build());
            if (answer.hasError()) {
                String why = answer.getError().getSqlState() + ": " + answer.getError().getMessage();
                end(Request.newBuilder().setId(request.getId()).setRollback(Rollback.getDefaultInstance()).build());
                if (SqlStates.RANGE_MISMATCH.equals(answer.getError().getSqlState()) && !answer.getError().getKey().isEmpty()) {
                    throw new SQLException((auto ? "the statement" : "the transaction") + " was rolled back: the statement "
                            + "moves rows to keys another range holds, which a change across ranges does not do yet ("
                            + answer.getError().getMessage() + ")", auto ? SqlStates.NOT_SUPPORTED : SqlStates.ROLLED_BACK);
                }
                if (auto && SqlStates.RANGE_MISMATCH.equals(answer.getError().getSqlState())) {
                    return answer;   // a range split since: nothing applied, and the node plans it again
                }
                throw new SQLException((auto ? "the statement" : "the transaction") + " was rolled back: its part in range "
                        + part.range() + " failed (" + why + ")", auto ? answer.getError().getSqlState()
                        : SqlStates.ROLLED_BACK);
            }
            UpdateCount u = answer.getExecute().getUpdate();
            if (u.getCount() > 0) {
                wrote(part.range());
            }
            total += u.getCount();
            for (int i = 0; i < part.sets().size(); i++) {
                counts[part.sets().get(i)] = u.getBatchCounts(i);
            }
        }
        UpdateCount.Builder count = UpdateCount.newBuilder().setCount(total);
        for (long c : counts) {
            count.addBatchCounts(c);
        }
        ExecuteResult.Builder out = ExecuteResult.newBuilder().setUpdate(count);
        if (auto) {
            Response committed = end(Request.newBuilder().setId(request.getId())
                    .setFailoverBudgetMillis(request.getFailoverBudgetMillis())
                    .setCommit(Commit.newBuilder().setSequence(e.getSequence())).build());
            if (committed.hasError()) {
                Error.Builder error = committed.getError().toBuilder();
                if (SqlStates.OUTCOME_AT_LEADER.equals(error.getSqlState())) {
                    // Resent under its sequence, it would run again: no range keeps its outcome.
                    error.setSqlState(SqlStates.OUTCOME_UNKNOWN);
                }
                return Response.newBuilder().setId(request.getId()).setError(error).build();
            }
            out.setLsn(committed.getCommit().getLsn());
        }
        return Response.newBuilder().setId(request.getId()).setExecute(out).build();
    }
}
