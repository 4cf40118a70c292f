package io.flotilla.statemachine.range;

/**
 * Bugs a range replica, and the node's sessions above it, can be told to have, so that the
 * whole-stack simulator shows it would catch them (as the Raft core's {@code
 * io.flotilla.raft.core.DeliberateBug} does for the core). Never set outside that self-test.
 */
public enum DeliberateBug {
    /**
     * Every apply also updates one shared bookkeeping row in place, as the applied position was
     * kept before it became append-only: under REPEATABLE READ or SERIALIZABLE the leader's commit
     * of a client's transaction is refused by that transaction's snapshot and the range stops.
     */
    BOOKKEEPING_UPDATED_IN_PLACE,
    /** A new leader serves clients at once, before it applied an entry of its own term. */
    SERVE_BEFORE_OWN_TERM_APPLIED,
    /** The exactly-once check runs only on the leader, before proposing, not again at apply. */
    NO_EXACTLY_ONCE_CHECK_AT_APPLY,
    /** A leader that loses its role keeps its held transactions open instead of rolling them back. */
    KEEP_HELD_ON_ROLE_CHANGE,
    /**
     * The node's session serves a linearizable read from its own replica when it does not lead,
     * as if every replica were as current as the leader (a routing bug in the node server).
     */
    LINEARIZABLE_READ_ON_FOLLOWER
}
