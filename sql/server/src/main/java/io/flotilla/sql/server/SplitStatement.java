package io.flotilla.sql.server;

import io.flotilla.protocol.Error;
import io.flotilla.protocol.ExecuteResult;
import io.flotilla.protocol.Lsn;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.UpdateCount;
import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.range.Outcome;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.SplitAt;
import io.flotilla.statemachine.range.SqlStates;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

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
        long range = request.getRange() != 0 ? request.getRange() : ranges.now().owner(key).orElseThrow(() ->
                new SQLException("no range on node " + node.id() + " holds key " + key + " yet", SqlStates.UNAVAILABLE));
        RangeReplica replica = node.replica(range);
        if (!replica.serving()) {
            return lanes.forward(lanes.lane(range), request);
        }
        long newRange = newRangeId(lanes.lane(Node.META_RANGE));
        Outcome outcome = Outcome.await(replica.proposeSplit(key, newRange), SPLIT_TIMEOUT, "the split of range " + range);
        Outcome.Applied applied = (Outcome.Applied) outcome;
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

    /**
     * The new range opens here on a thread of the node's, right after the split applied: the
     * statement's answer waits for it (briefly), so that the client's next statement through this
     * node finds it. Other nodes open theirs as they apply the split; until then they answer 08F02.
     */
    private void awaitOpen(long newRange) throws SQLException {
        long deadline = System.nanoTime() + NEW_RANGE_OPEN_NANOS;
        while (!node.replicas().containsKey(newRange)) {
            if (System.nanoTime() - deadline > 0) {
                throw new SQLException("the split applied, but range " + newRange + " did not open on node " + node.id()
                        + " within " + TimeUnit.NANOSECONDS.toSeconds(NEW_RANGE_OPEN_NANOS) + " s", SqlStates.UNAVAILABLE);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted", SqlStates.UNAVAILABLE, e);
            }
        }
    }
}
