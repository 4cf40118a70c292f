package io.flotilla.raft.core;

import java.util.HashMap;
import java.util.Map;

/**
 * Holds on a leader's commit index: while any is in force, the leader commits nothing beyond the
 * index it had committed when the first of them began, so that no replica applies anything newer
 * (followers learn the commit index from the leader). A reader that must see several groups at one
 * moment holds each of them, reads, and lets go: the SQL layer's cut across ranges when its ranges
 * keep changing (docs/ranges.md, "Isolation across ranges").
 *
 * <p>Each hold lapses by itself at its deadline, so that a holder that vanished stalls writes for a
 * bounded time only; leaving leadership drops them all. A hold only delays commitment: safety does
 * not depend on it.
 */
final class CommitHolds {

    /** Deadlines of the holds in force, by id (the core's monotonic clock). */
    private final Map<Long, Long> deadlines = new HashMap<>();
    private long nextId;
    /** The commit index the holds keep the leader at; meaningful only while one is in force. */
    private long cap;

    /**
     * A new hold until {@code deadline}; the first of a set keeps the commit index at {@code
     * committed}.
     */
    long hold(long committed, long deadline) {
        if (deadlines.isEmpty()) {
            cap = committed;
        }
        long id = ++nextId;
        deadlines.put(id, deadline);
        return id;
    }

    /** Ends a hold; whether it was in force. */
    boolean release(long id) {
        return deadlines.remove(id) != null;
    }

    /** Drops the holds whose deadline has come; whether any was dropped. */
    boolean expire(long now) {
        return deadlines.values().removeIf(deadline -> now - deadline >= 0);
    }

    /** The highest index the leader may commit now. */
    long limit(long quorumMatch) {
        return deadlines.isEmpty() ? quorumMatch : Math.min(quorumMatch, cap);
    }

    boolean any() {
        return !deadlines.isEmpty();
    }

    /** The earliest deadline, or {@link Long#MAX_VALUE} when none is in force. */
    long nextDeadline() {
        long next = Long.MAX_VALUE;
        for (long deadline : deadlines.values()) {
            next = Math.min(next, deadline);
        }
        return next;
    }

    void clear() {
        deadlines.clear();
    }
}
