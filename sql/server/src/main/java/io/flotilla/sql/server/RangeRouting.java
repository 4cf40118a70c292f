package io.flotilla.sql.server;

import io.flotilla.protocol.Consistency;
import io.flotilla.protocol.Execute;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.StatementKind;

import java.sql.SQLException;

/**
 * Where a client's statement runs, decided once per statement so that leadership lost after the
 * decision shows as a not-leader error from the range, never as a statement sent down another
 * path: on this node as the range's leader, on this node as a follower read the statement's
 * consistency level allows, or at the leader through the session's forwarder.
 */
final class RangeRouting {

    /** Where an Execute runs. */
    enum Route {
        /** Here, as the range's leader: in the session's held transaction. */
        LEADER,
        /** Here, on this replica's data as a follower (or learner) may serve it. */
        FOLLOWER,
        /** At the leader, through the forwarder. */
        FORWARD
    }

    private final FollowerReads followerReads;

    RangeRouting(FollowerReads followerReads) {
        this.followerReads = followerReads;
    }

    /** Where {@code e} runs, given the session's statements on this node's replica of its range. */
    Route route(Execute e, RangeStatements here) throws SQLException {
        RangeReplica replica = here.replica();
        if (replica.serving()) {
            return Route.LEADER;
        }
        Consistency c = e.getConsistency();
        if (!here.inTransaction() && followerReads.levelAllows(c, replica)
                && here.classify(e.getSql()) == StatementKind.QUERY && followerReads.caughtUp(c, replica)) {
            return Route.FOLLOWER;
        }
        return Route.FORWARD;
    }
}
