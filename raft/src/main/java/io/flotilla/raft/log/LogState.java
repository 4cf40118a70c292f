package io.flotilla.raft.log;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.HardState;
import io.flotilla.raft.core.SnapshotMeta;

/**
 * The log as its records describe it: the latest hard state and snapshot, where every entry is, and
 * the recent entries themselves. Recovery builds one by replaying records; afterwards the writer
 * applies each write once it is durable. Not thread-safe: the owner locks.
 */
final class LogState {

    HardState hardState;
    SnapshotMeta snapshot;
    final EntryIndex index = new EntryIndex();
    final EntryCache cache;

    LogState(long cacheBytes) {
        this.cache = new EntryCache(cacheBytes);
    }

    long firstIndex() {
        return snapshot.index() + 1;
    }

    long lastIndex() {
        return index.isEmpty() ? snapshot.index() : index.last();
    }

    void install(SnapshotMeta meta) {
        snapshot = meta;
        index.clear();
        cache.clear();
    }

    /** Drops entries up to {@code meta}; an older snapshot than the one held changes nothing. */
    void compact(SnapshotMeta meta) {
        if (snapshot != null && meta.index() <= snapshot.index()) {
            return;
        }
        snapshot = meta;
        index.dropThrough(meta.index());
        cache.dropThrough(meta.index());
    }

    void truncateFrom(long firstRemoved) {
        index.truncateFrom(firstRemoved);
        cache.truncateFrom(firstRemoved);
    }

    void append(Entry entry, long segment, long offset, int length) {
        index.append(entry.index(), entry.term(), segment, offset, length, entry.payload().size());
        cache.append(entry);
    }
}
