package io.flotilla.raft.core;

/** Why the core would not take a request. */
public enum Refusal {
    /** This replica is not the leader; retry at the leader hint, if there is one. */
    NOT_LEADER,
    /** The leader is handing over leadership and takes no new work meanwhile. */
    TRANSFER_IN_PROGRESS,
    /** The leader has not yet committed an entry of its own term. */
    LEADER_NOT_READY,
    /** An earlier membership change is not yet complete. */
    MEMBERSHIP_CHANGE_PENDING,
    /** The requested membership is not valid (no voters, or a node both voter and learner). */
    INVALID_MEMBERSHIP,
    /** A learner to be promoted is too far behind the leader's log. */
    LEARNER_BEHIND,
    /** A leadership-transfer target is not a voter. */
    TARGET_NOT_VOTER,
    /** A leadership-transfer target is too far behind the leader's log. */
    TARGET_BEHIND,
    /** The command is larger than {@link Config#maxEntryBytes()}: no follower could be sent it. */
    ENTRY_TOO_LARGE
}
