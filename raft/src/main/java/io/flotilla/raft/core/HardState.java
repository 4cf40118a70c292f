package io.flotilla.raft.core;

/** What a replica must make durable before any message that depends on it leaves the node. */
public record HardState(long term, long vote, long commit) {

    public static final HardState EMPTY = new HardState(0, NodeIds.NONE, 0);

    /**
     * The hard state of a group that starts from another's state at {@code base}: in the base's
     * term, with no vote, everything up to the base committed. A replica whose term were below its
     * last entry's could lead a lower term and append after that entry.
     */
    public static HardState startingAt(SnapshotMeta base) {
        return new HardState(base.term(), NodeIds.NONE, base.index());
    }
}
