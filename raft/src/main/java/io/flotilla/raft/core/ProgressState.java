package io.flotilla.raft.core;

/** How the leader is sending to one follower. */
public enum ProgressState {
    /** Where the logs agree is unknown: one append per round trip until it is found. */
    PROBE,
    /** Logs agree up to match: appends are pipelined within the inflight window. */
    REPLICATE,
    /** The follower needs entries that were compacted: a snapshot transfer is under way. */
    SNAPSHOT
}
