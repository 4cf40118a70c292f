package io.flotilla.raft.host;

/** A proposal that committed and was applied here: where, and what the state machine answered. */
public record Committed(long group, long term, long index, Object result) {
}
