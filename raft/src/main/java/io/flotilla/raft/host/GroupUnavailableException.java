package io.flotilla.raft.host;

import io.flotilla.raft.core.Refusal;

/**
 * A request a group could not take or finish: this replica does not lead (the leader hint says
 * who might), it lost leadership before the outcome was known, the node is overloaded, or the
 * group has stopped.
 */
public final class GroupUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why, in terms a client can act on. */
    public enum Reason {
        /** Refused by the core; see {@link #refusal()} and retry at the leader hint. */
        REFUSED,
        /** The entry at the proposal's index has another term: it was certainly not applied. */
        OVERWRITTEN,
        /** A snapshot replaced this replica's log before the proposal's fate was seen; it may have applied. */
        OUTCOME_UNKNOWN,
        /** The worker's queue is full; retry later. */
        OVERLOADED,
        /** The group was removed, the node closed, or its log failed. */
        STOPPED
    }

    private final long group;
    private final Reason reason;
    private final Refusal refusal;
    private final long leaderHint;

    public GroupUnavailableException(long group, Reason reason, Refusal refusal, long leaderHint, String message) {
        super("group " + group + ": " + message);
        this.group = group;
        this.reason = reason;
        this.refusal = refusal;
        this.leaderHint = leaderHint;
    }

    public long group() {
        return group;
    }

    public Reason reason() {
        return reason;
    }

    /** The core's refusal when the reason is REFUSED, else null. */
    public Refusal refusal() {
        return refusal;
    }

    /** The node that may lead, or 0 if unknown. */
    public long leaderHint() {
        return leaderHint;
    }
}
