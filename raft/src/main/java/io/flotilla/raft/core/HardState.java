package io.flotilla.raft.core;

/** What a replica must make durable before any message that depends on it leaves the node. */
public record HardState(long term, long vote, long commit) {

    public static final HardState EMPTY = new HardState(0, NodeIds.NONE, 0);
}
