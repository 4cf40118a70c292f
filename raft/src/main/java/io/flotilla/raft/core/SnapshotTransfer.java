package io.flotilla.raft.core;

/**
 * The leader asks its host to stream a snapshot to a follower that is behind the compacted log.
 * The host takes an image at its applied index, streams it, and on the receiving node steps a
 * {@link Message.InstallSnapshot} with this term into the core. The outcome comes back through
 * {@link Raft#reportSnapshot}.
 */
public record SnapshotTransfer(long to, long term) {
}
