package io.flotilla.raft.log;

/**
 * Tuning of one group's log.
 *
 * @param segmentBytes a segment is closed and a new one started once it holds this many bytes
 *                     (checked before each write, so a segment may end a little beyond it)
 * @param cacheBytes   recent entries kept in memory, counted as {@link io.flotilla.raft.core.Entry#size()}
 */
public record LogOptions(long segmentBytes, long cacheBytes) {

    public LogOptions {
        if (segmentBytes < 1 || cacheBytes < 0) {
            throw new IllegalArgumentException("segmentBytes must be positive and cacheBytes not negative");
        }
    }

    /** 64 MiB segments, 4 MiB of cached entries. */
    public static LogOptions defaults() {
        return new LogOptions(64L << 20, 4L << 20);
    }
}
