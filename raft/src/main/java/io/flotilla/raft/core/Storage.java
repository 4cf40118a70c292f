package io.flotilla.raft.core;

import java.util.List;

/**
 * The durable log as the core reads it: everything the host has persisted from earlier Readies.
 * The core never writes through this interface; it hands writes out in {@link Ready}.
 *
 * <p>Indexes below {@link #firstIndex()} are compacted into {@link #snapshot()}. The term of
 * {@code firstIndex() - 1} is always known (it is the snapshot's).
 */
public interface Storage {

    HardState hardState();

    /** The latest snapshot the log was compacted to (a bootstrap snapshot for a new group). */
    SnapshotMeta snapshot();

    /** The first index still held as an entry; snapshot().index() + 1. */
    long firstIndex();

    /** The last index held; snapshot().index() when the log is empty. */
    long lastIndex();

    /** The term at an index in [firstIndex() - 1, lastIndex()]. */
    long term(long index);

    /** Entries in [from, to), at least one if any, and then no more than maxBytes in total. */
    List<Entry> entries(long from, long to, long maxBytes);

    /**
     * The sum of {@link Payload#size()} over the entries in [from, to), a range {@link #entries}
     * accepts. This default reads the entries; a storage that keeps their sizes answers without.
     */
    default long payloadBytes(long from, long to) {
        long bytes = 0;
        for (Entry e : entries(from, to, Long.MAX_VALUE)) {
            bytes += e.payload().size();
        }
        return bytes;
    }
}
