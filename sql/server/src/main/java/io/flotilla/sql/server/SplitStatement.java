package io.flotilla.sql.server;

import io.flotilla.protocol.Error;
import io.flotilla.protocol.ExecuteResult;
import io.flotilla.protocol.Lsn;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.UpdateCount;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.Waits;
import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.range.Outcome;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.SplitAt;
import io.flotilla.statemachine.range.SqlStates;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code ALTER TABLE t SPLIT AT VALUES (...)}: the key it names is found here (in the session's
 * schema), then the range that holds it. Its leader takes a new range id from the meta range and
 * proposes the split in the range's log; a node that does not lead the range sends the statement
 * to the leader. Answered once the split applied on the leader and the new range opened there.
 */
final class SplitStatement {

    private static final Duration SPLIT_TIMEOUT = Duration.ofSeconds(30);
    private static final long NEW_RANGE_OPEN_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** How the session reaches a range's leader: its lane's forwarder, the range named. */
    interface Lanes {
        RangeLane lane(long range);

        Response forward(RangeLane lane, Request request);
    }

    private final Node node;
    private final RangeMap ranges;

    SplitStatement(Node node, RangeMap ranges) {
        this.node = node;
        this.ranges = ranges;
    }

    Response run(Request request, SplitAt split, RangeStatements planner, Lanes lanes) throws SQLException {
        Key key = planner.splitKey(split, request.getExecute());
        if (ranges.now().ranges().stream().anyMatch(p -> p.span().start().equals(key))) {
            // Split there already (by this statement sent again after its answer was lost, or by
            // another): done, as CockroachDB answers a split at an existing boundary.
            return Response.newBuilder().setId(request.getId())
                    .setExecute(ExecuteResult.newBuilder().setUpdate(UpdateCount.newBuilder().setCount(0))).build();
        }
        long range = request.getRange() != 0 ? request.getRange() : ranges.now().owner(key).orElseThrow(() ->
                new SQLException("no range on node " + node.id() + " holds key " + key + " yet", SqlStates.UNAVAILABLE));
        if (!node.replica(range).serving()) {
            return lanes.forward(lanes.lane(range), request);
        }
        return splitHere(request, range, key, lanes);
    }

    /**
     * Splits {@code range}, which this node's replica leads, at {@code key}: also the way of splits
     * by load, which know a key and no values.
     */
    Response splitHere(Request request, long range, Key key, Lanes lanes) throws SQLException {
        RangeReplica replica = node.replica(range);
        long newRange = newRangeId(lanes.lane(Node.META_RANGE));
        Outcome.Applied applied = awaitSplit(replica.proposeSplit(key, newRange), range);
        awaitOpen(newRange);
        return Response.newBuilder().setId(request.getId()).setExecute(ExecuteResult.newBuilder()
                .setUpdate(UpdateCount.newBuilder().setCount(0))
                .setLsn(Lsn.newBuilder().setRange(applied.range()).setIndex(applied.index()))).build();
    }

    /** A new range id: from this node's replica of the meta range if it leads it, else from its leader. */
    private long newRangeId(RangeLane meta) throws SQLException {
        if (node.replica(Node.META_RANGE).serving()) {
            return node.rangeIds().next();
        }
        Response answer = meta.forwarder().call(RangeIdRequest.of());
        if (answer.hasError()) {
            Error e = answer.getError();
            throw new SQLException("no new range id from the meta range: " + e.getMessage(), e.getSqlState());
        }
        return answer.getExecute().getUpdate().getCount();
    }

    /** The split's outcome, waited for as the node's sessions wait (in simulated time, in the simulator). */
    private Outcome.Applied awaitSplit(CompletableFuture<Outcome> proposed, long range) throws SQLException {
        Waits waits = node.environment().waits();
        Outcome outcome;
        try {
            outcome = waits.await(proposed, SPLIT_TIMEOUT.toNanos());
        } catch (ExecutionException e) {
            throw e.getCause() instanceof SQLException sql ? sql
                    : new SQLException("the split of range " + range + " failed: " + e.getCause(), SqlStates.OUTCOME_UNKNOWN,
                            e.getCause());
        } catch (TimeoutException e) {
            throw new SQLException("the split of range " + range + " was not applied within " + SPLIT_TIMEOUT.toSeconds()
                    + " s: whether it happens is unknown", SqlStates.OUTCOME_UNKNOWN, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", SqlStates.OUTCOME_UNKNOWN, e);
        }
        if (outcome instanceof Outcome.Refused r) {
            throw r.toException();
        }
        return (Outcome.Applied) outcome;
    }

    /**
     * The new range opens here on a thread of the node's, right after the split applied: the
     * statement's answer waits for it (briefly), so that the client's next statement through this
     * node finds it. Other nodes open theirs as they apply the split; until then they answer 08F02.
     */
    private void awaitOpen(long newRange) throws SQLException {
        Waits waits = node.environment().waits();
        long deadline = waits.nanoTime() + NEW_RANGE_OPEN_NANOS;
        while (!node.replicas().containsKey(newRange)) {
            if (waits.nanoTime() - deadline > 0) {
                throw new SQLException("the split applied, but range " + newRange + " did not open on node " + node.id()
                        + " within " + TimeUnit.NANOSECONDS.toSeconds(NEW_RANGE_OPEN_NANOS) + " s", SqlStates.UNAVAILABLE);
            }
            try {
                waits.sleep(TimeUnit.MILLISECONDS.toNanos(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted", SqlStates.UNAVAILABLE, e);
            }
        }
    }
}
