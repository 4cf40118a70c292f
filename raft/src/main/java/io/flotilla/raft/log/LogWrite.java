package io.flotilla.raft.log;

/** Something a log asks its {@link GroupCommit} writer to make durable, in submission order. */
sealed interface LogWrite permits WriteBatch, Compaction {
}
