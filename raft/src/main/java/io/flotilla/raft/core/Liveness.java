package io.flotilla.raft.core;

/**
 * What the node's failure detector believes about other nodes: whether each was heard from lately.
 * Node liveness is what lets an idle group stop heartbeating (quiesce): one exchange per node pair
 * stands in for the heartbeats of every group two nodes share.
 *
 * <p>A quiesced follower refuses votes while its leader's node is live. Refusing votes longer never
 * endangers safety (a leader's lease rests only on rounds a quorum answered); a detector that
 * reports a dead node as live only delays the next election until the host wakes the group.
 */
@FunctionalInterface
public interface Liveness {

    boolean isLive(long node);
}
