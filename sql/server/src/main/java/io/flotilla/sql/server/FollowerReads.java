package io.flotilla.sql.server;

import io.flotilla.protocol.Consistency;
import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.range.DeliberateBug;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.SqlStates;

import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/**
 * Whether a replica that does not lead its range may serve a read at the consistency level the
 * client asked for, rather than send it to the leader: the rules of the levels (README,
 * "Consistency levels"), one per level.
 */
final class FollowerReads {

    /** The longest a session read waits here for its LSN, whatever the client asked: it holds the session's thread. */
    private static final long MAX_LSN_WAIT_MILLIS = 10_000;

    private final Node node;
    private final StalenessBound stalenessBound;

    FollowerReads(Node node, StalenessBound stalenessBound) {
        this.node = node;
        this.stalenessBound = stalenessBound;
    }

    /** Whether the level lets a follower serve at all (for a session read: once it has applied the LSN, see {@link #caughtUp}). */
    boolean levelAllows(Consistency c, RangeReplica data) throws SQLException {
        return switch (c.getLevel()) {
            case STALE, SESSION -> true;
            // Served only when this replica can show it misses nothing committed more than the
            // bound ago (see StalenessBound); its own commit index would not show that.
            // The bound is kept for the initial data range only (NodeSessions): a range a split
            // made sends bounded reads to its leader until each range has its own.
            case BOUNDED -> data.range() == Node.DATA_RANGE && boundedReadMayBeServedHere(c.getMaxStalenessMillis());
            case LINEARIZABLE -> node.environment().rangeOptions().deliberateBugs()
                    .contains(DeliberateBug.LINEARIZABLE_READ_ON_FOLLOWER);
            default -> false;
        };
    }

    /**
     * Whether this replica has applied what the read needs: for a session read, the session's LSN,
     * waiting up to the client's wait (at most {@link #MAX_LSN_WAIT_MILLIS}) for it: a follower a few
     * entries behind serves the read a moment later rather than send it to the leader, one far
     * behind or cut off sends it after the wait. Other levels need nothing more.
     */
    boolean caughtUp(Consistency c, RangeReplica data) throws SQLException {
        if (c.getLevel() != Consistency.Level.SESSION) {
            return true;
        }
        if (c.getMinLsn().getRange() != 0 && c.getMinLsn().getRange() != data.range()) {
            // A position in another range's log says nothing of this one's: the leader serves it.
            return false;
        }
        long index = c.getMinLsn().getIndex();
        if (index <= data.applied()) {
            return true;
        }
        try {
            return data.awaitApplied(index,
                    TimeUnit.MILLISECONDS.toNanos(Math.min(c.getMaxWaitMillis(), MAX_LSN_WAIT_MILLIS)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", SqlStates.UNAVAILABLE, e);
        }
    }

    private boolean boundedReadMayBeServedHere(long maxStalenessMillis) throws SQLException {
        try {
            return stalenessBound.mayServe(maxStalenessMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", SqlStates.UNAVAILABLE, e);
        }
    }
}
