package io.flotilla.raft.core;

/**
 * Appends sent to one follower and not yet acknowledged, bounded in count and bytes. A ring of
 * (last index, bytes) pairs: acknowledgements free a prefix.
 */
final class Inflights {

    private final long[] lastIndexes;
    private final long[] sizes;
    private final long maxBytes;
    private int start;
    private int count;
    private long bytes;

    Inflights(int capacity, long maxBytes) {
        this.lastIndexes = new long[capacity];
        this.sizes = new long[capacity];
        this.maxBytes = maxBytes;
    }

    void add(long lastIndex, long size) {
        if (count == lastIndexes.length) {
            throw new IllegalStateException("inflight window is full");
        }
        int slot = (start + count) % lastIndexes.length;
        lastIndexes[slot] = lastIndex;
        sizes[slot] = size;
        count++;
        bytes += size;
    }

    /** Frees every message whose last index is at or below the acknowledged one. */
    void freeUpTo(long index) {
        while (count > 0 && lastIndexes[start] <= index) {
            bytes -= sizes[start];
            start = (start + 1) % lastIndexes.length;
            count--;
        }
    }

    /** Frees the oldest message: a heartbeat answer shows the follower is alive but says nothing of appends. */
    void freeOldest() {
        if (count > 0) {
            freeUpTo(lastIndexes[start]);
        }
    }

    boolean full() {
        return count == lastIndexes.length || bytes >= maxBytes;
    }

    int count() {
        return count;
    }

    void reset() {
        start = 0;
        count = 0;
        bytes = 0;
    }
}
