package io.flotilla.raft.core;

/** How far one member's log is known to match the leader's, for status views. */
public record ReplicaProgress(long match, long next, ProgressState state, int inflightMessages) {
}
