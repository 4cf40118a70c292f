package io.flotilla.raft.log;

import io.flotilla.raft.core.Entry;
import java.util.ArrayList;

/**
 * The most recent entries of the log, in memory, up to a byte budget: followers and the leader's
 * replication read mostly what was just written. A contiguous run ending at the log's last entry.
 * Not thread-safe: the owner locks.
 */
final class EntryCache {

    private final long maxBytes;
    private final ArrayList<Entry> entries = new ArrayList<>();
    /** Entries before this position in {@link #entries} are evicted; removed in bulk now and then. */
    private int head;
    private long bytes;

    EntryCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The entry at index, or null if it is not cached. */
    Entry get(long index) {
        if (head == entries.size()) {
            return null;
        }
        long first = entries.get(head).index();
        long offset = index - first;
        return offset >= 0 && offset < entries.size() - head ? entries.get(head + (int) offset) : null;
    }

    void append(Entry entry) {
        if (head < entries.size() && entries.get(entries.size() - 1).index() + 1 != entry.index()) {
            clear();
        }
        entries.add(entry);
        bytes += entry.size();
        while (bytes > maxBytes && head < entries.size()) {
            bytes -= entries.get(head).size();
            entries.set(head, null);
            head++;
        }
        if (head > 1024 && head * 2 > entries.size()) {
            entries.subList(0, head).clear();
            head = 0;
        }
    }

    void truncateFrom(long index) {
        while (head < entries.size() && entries.get(entries.size() - 1).index() >= index) {
            bytes -= entries.remove(entries.size() - 1).size();
        }
    }

    void dropThrough(long index) {
        while (head < entries.size() && entries.get(head).index() <= index) {
            bytes -= entries.get(head).size();
            entries.set(head, null);
            head++;
        }
    }

    void clear() {
        entries.clear();
        head = 0;
        bytes = 0;
    }
}
