package io.flotilla.raft.core;

/**
 * A read the leader has confirmed: it may be served once the local state machine has applied
 * {@code index}. {@code lease} tells whether it was confirmed by the leader's lease or by a
 * ReadIndex heartbeat round.
 */
public record ReadState(long requestId, long index, boolean lease) {
}
