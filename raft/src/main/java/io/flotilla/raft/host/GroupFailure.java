package io.flotilla.raft.host;

import java.time.Instant;

/**
 * Why a group stopped on this node after something that should not happen (a state machine that
 * cannot apply a committed entry, an invariant its core asserts, a log that failed). The replica
 * takes part in nothing from then on, as if its node were down for that group alone; the group
 * goes on with its other replicas where they still form a quorum.
 *
 * @param group the group that stopped here
 * @param reason what failed, with the entry or operation it failed on
 * @param at when, on the wall clock (for operators)
 */
public record GroupFailure(long group, String reason, Instant at) {
}
