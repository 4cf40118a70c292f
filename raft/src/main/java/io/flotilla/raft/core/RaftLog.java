package io.flotilla.raft.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The core's view of the log: what the host has persisted ({@link Storage}) followed by what it has
 * not yet (the unstable tail, and possibly a snapshot received from the leader). Also tracks the
 * commit index and how far committed entries have been handed to the host to apply.
 */
final class RaftLog {

    static final long UNKNOWN_TERM = -1;

    private final Storage storage;
    /** A snapshot received from the leader and not yet persisted; it replaces the whole log. */
    private SnapshotMeta unstableSnapshot;
    private boolean snapshotHandedOut;
    /** Entries from {@code unstableOffset} on that the host has not yet reported durable. */
    private final ArrayList<Entry> unstable = new ArrayList<>();
    private long unstableOffset;
    /** Unstable entries from here on have not been handed out in a Ready yet. */
    private long handOutFrom;

    private long committed;
    private long applied;

    RaftLog(Storage storage, long committed, long applied) {
        this.storage = storage;
        this.unstableOffset = storage.lastIndex() + 1;
        this.handOutFrom = unstableOffset;
        long snapshotIndex = storage.snapshot().index();
        this.applied = Math.max(applied, snapshotIndex);
        // The commit index is written without waiting for it to be durable: the state machine may
        // be further. Only committed entries are ever applied, so what it applied was committed.
        this.committed = Math.max(Math.max(committed, snapshotIndex), Math.min(this.applied, storage.lastIndex()));
        if (this.committed > storage.lastIndex() || this.applied > this.committed) {
            throw new IllegalStateException("storage is inconsistent: commit " + this.committed + ", applied "
                    + this.applied + ", last index " + storage.lastIndex());
        }
    }

    long committed() {
        return committed;
    }

    long applied() {
        return applied;
    }

    long firstIndex() {
        return unstableSnapshot != null ? unstableSnapshot.index() + 1 : storage.firstIndex();
    }

    long lastIndex() {
        if (!unstable.isEmpty()) {
            return unstableOffset + unstable.size() - 1;
        }
        return unstableSnapshot != null ? unstableSnapshot.index() : storage.lastIndex();
    }

    long lastTerm() {
        return term(lastIndex());
    }

    /** The last index the host has made durable that is still part of this log. */
    long persistedIndex() {
        return unstableSnapshot != null ? unstableSnapshot.index() - 1 : unstableOffset - 1;
    }

    /** The term at index, or {@link #UNKNOWN_TERM} if it is compacted away or beyond the end. */
    long term(long index) {
        if (index >= unstableOffset && index < unstableOffset + unstable.size()) {
            return unstable.get((int) (index - unstableOffset)).term();
        }
        if (unstableSnapshot != null) {
            return index == unstableSnapshot.index() ? unstableSnapshot.term() : UNKNOWN_TERM;
        }
        if (index < storage.firstIndex() - 1 || index > Math.min(storage.lastIndex(), unstableOffset - 1)) {
            return UNKNOWN_TERM;
        }
        return storage.term(index);
    }

    boolean matchTerm(long index, long term) {
        return term(index) == term;
    }

    /** Raft's election restriction: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
    boolean isUpToDate(long lastIndex, long lastTerm) {
        long ourTerm = lastTerm();
        return lastTerm > ourTerm || (lastTerm == ourTerm && lastIndex >= lastIndex());
    }

    /**
     * Entries in [from, to) up to maxBytes (at least one), or null if some were compacted and a
     * snapshot is needed instead.
     */
    List<Entry> slice(long from, long to, long maxBytes) {
        if (from < firstIndex()) {
            return null;
        }
        to = Math.min(to, lastIndex() + 1);
        List<Entry> out = new ArrayList<>();
        if (from >= to) {
            return out;
        }
        long bytes = 0;
        long stableEnd = Math.min(to, unstableOffset);
        if (from < stableEnd) {
            List<Entry> stable = storage.entries(from, stableEnd, maxBytes);
            for (Entry e : stable) {
                bytes += e.size();
            }
            out.addAll(stable);
            if (out.size() < stableEnd - from) {
                return out;
            }
        }
        for (long i = Math.max(from, unstableOffset); i < to; i++) {
            Entry e = unstable.get((int) (i - unstableOffset));
            if (!out.isEmpty() && bytes + e.size() > maxBytes) {
                break;
            }
            bytes += e.size();
            out.add(e);
        }
        return out;
    }

    /**
     * The payload bytes of the entries this log holds in [from, to): indexes compacted away or past
     * the end count nothing. Unstable entries are in memory; the rest the storage answers.
     */
    long payloadBytes(long from, long to) {
        from = Math.max(from, firstIndex());
        to = Math.min(to, lastIndex() + 1);
        if (from >= to) {
            return 0;
        }
        long bytes = 0;
        long stableEnd = Math.min(Math.min(to, unstableOffset), storage.lastIndex() + 1);
        if (from < stableEnd && unstableSnapshot == null) {
            bytes += storage.payloadBytes(from, stableEnd);
        }
        for (long i = Math.max(from, unstableOffset); i < to; i++) {
            bytes += unstable.get((int) (i - unstableOffset)).payload().size();
        }
        return bytes;
    }

    /** The first index where entries disagree with this log, or 0 if this log already holds them all. */
    long findConflict(List<Entry> entries) {
        for (Entry e : entries) {
            if (!matchTerm(e.index(), e.term())) {
                return e.index();
            }
        }
        return 0;
    }

    /**
     * The largest index at or below {@code index} whose term is at most {@code term}: where a log that
     * has {@code term} at {@code index} can still agree with this one.
     */
    long findConflictByTerm(long index, long term) {
        for (long i = Math.min(index, lastIndex()); i >= firstIndex() - 1; i--) {
            long t = term(i);
            if (t == UNKNOWN_TERM || t <= term) {
                return i;
            }
        }
        return firstIndex() - 1;
    }

    /** Appends entries, replacing any suffix they conflict with. Committed entries are never replaced. */
    void append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).index();
        if (first <= committed) {
            throw new IllegalStateException("refusing to overwrite committed index " + first + " (commit " + committed + ")");
        }
        if (first > lastIndex() + 1) {
            throw new IllegalStateException("gap in log: appending " + first + " after " + lastIndex());
        }
        if (first <= unstableOffset) {
            unstable.clear();
            unstableOffset = first;
        } else {
            unstable.subList((int) (first - unstableOffset), unstable.size()).clear();
        }
        unstable.addAll(entries);
        handOutFrom = Math.min(handOutFrom, first);
    }

    void commitTo(long index) {
        if (index > committed) {
            if (index > lastIndex()) {
                throw new IllegalStateException("commit " + index + " beyond last index " + lastIndex());
            }
            committed = index;
        }
    }

    /** Replaces the whole log with a snapshot the leader sent. */
    void restore(SnapshotMeta snapshot) {
        unstableSnapshot = snapshot;
        snapshotHandedOut = false;
        unstable.clear();
        unstableOffset = snapshot.index() + 1;
        handOutFrom = unstableOffset;
        committed = snapshot.index();
        applied = snapshot.index();
    }

    // --- Ready bookkeeping ---

    boolean hasUnhandedSnapshot() {
        return unstableSnapshot != null && !snapshotHandedOut;
    }

    SnapshotMeta handOutSnapshot() {
        snapshotHandedOut = true;
        return unstableSnapshot;
    }

    boolean hasUnhandedEntries() {
        return handOutFrom < unstableOffset + unstable.size();
    }

    List<Entry> handOutEntries() {
        List<Entry> out = List.copyOf(unstable.subList((int) (handOutFrom - unstableOffset), unstable.size()));
        handOutFrom = unstableOffset + unstable.size();
        return out;
    }

    boolean hasCommittedToApply() {
        return unstableSnapshot == null && applied < Math.min(committed, persistedIndex());
    }

    List<Entry> handOutCommitted(long maxBytes) {
        if (!hasCommittedToApply()) {
            return List.of();
        }
        List<Entry> out = storage.entries(applied + 1, Math.min(committed, persistedIndex()) + 1, maxBytes);
        if (!out.isEmpty()) {
            applied = out.get(out.size() - 1).index();
        }
        return out;
    }

    /** The host made entries up to (index, term) durable. */
    void persistedTo(long index, long term) {
        if (index >= unstableOffset && matchTerm(index, term)) {
            unstable.subList(0, (int) (index + 1 - unstableOffset)).clear();
            unstableOffset = index + 1;
            handOutFrom = Math.max(handOutFrom, unstableOffset);
        }
    }

    void persistedSnapshot(SnapshotMeta snapshot) {
        if (unstableSnapshot != null && unstableSnapshot.equals(snapshot)) {
            unstableSnapshot = null;
            snapshotHandedOut = false;
        }
    }
}
