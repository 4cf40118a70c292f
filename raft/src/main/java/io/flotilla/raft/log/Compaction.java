package io.flotilla.raft.log;

import io.flotilla.raft.core.SnapshotMeta;

/** Drop the log up to a snapshot the state machine has taken. */
record Compaction(SnapshotMeta to) implements LogWrite {
}
