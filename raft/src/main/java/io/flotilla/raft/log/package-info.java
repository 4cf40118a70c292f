/**
 * The durable Raft log: what a {@link io.flotilla.raft.core.Ready} asks to persist, on disk, read back
 * by the core as its {@link io.flotilla.raft.core.Storage}.
 *
 * <p>Each group has a directory of segment files named {@code <20-digit sequence>.seg}. A segment is
 * a sequence of records, each framed as {@code [payload length u32][crc32c u32][type u8][payload]}
 * (big-endian; the checksum covers length, type and payload). Types ({@link io.flotilla.raft.log.RecordType}):
 * ENTRY, HARD_STATE, SNAPSHOT (install: the log before it is discarded), TRUNCATE (entries from an
 * index on are discarded; written before entries that overwrite the tail) and COMPACT (entries up
 * to a snapshot are discarded). Payloads are the protobuf messages of {@code flotilla/raft/v1/raft.proto},
 * except TRUNCATE's 8-byte index. Every segment starts with a COMPACT of the current snapshot and
 * the current hard state, so the oldest segments can be deleted once compaction covers them.
 *
 * <p>{@link io.flotilla.raft.log.GroupCommit} is the node's one writer thread;
 * {@link io.flotilla.raft.log.DurableLog} is one group's log; {@link io.flotilla.raft.log.LogDirectory}
 * and {@link io.flotilla.raft.log.LogFile} are the file operations it needs, so tests can put a
 * failing disk underneath.
 */
package io.flotilla.raft.log;
