package io.flotilla.raft.core;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Storage} in memory, for tests and benchmarks of the core: it "persists" a Ready the
 * moment it is given one, and forgets everything with the process.
 */
public final class MemoryStorage implements Storage {

    private HardState hardState = HardState.EMPTY;
    private SnapshotMeta snapshot;
    private final ArrayList<Entry> entries = new ArrayList<>();

    public MemoryStorage(SnapshotMeta initial) {
        this.snapshot = initial;
    }

    /**
     * The storage of a group that starts from another's state at {@code base} (a range split off
     * another): its term is the base's, so no entry can follow the base's with a lower term.
     */
    public static MemoryStorage startingAt(SnapshotMeta base) {
        MemoryStorage storage = new MemoryStorage(base);
        storage.hardState = HardState.startingAt(base);
        return storage;
    }

    @Override
    public HardState hardState() {
        return hardState;
    }

    @Override
    public SnapshotMeta snapshot() {
        return snapshot;
    }

    @Override
    public long firstIndex() {
        return snapshot.index() + 1;
    }

    @Override
    public long lastIndex() {
        return snapshot.index() + entries.size();
    }

    @Override
    public long term(long index) {
        return index == snapshot.index() ? snapshot.term() : entries.get((int) (index - firstIndex())).term();
    }

    @Override
    public List<Entry> entries(long from, long to, long maxBytes) {
        if (from < firstIndex() || to > lastIndex() + 1) {
            throw new IllegalArgumentException("entries [" + from + ", " + to + ") outside [" + firstIndex()
                    + ", " + (lastIndex() + 1) + ")");
        }
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = from; i < to; i++) {
            Entry e = entries.get((int) (i - firstIndex()));
            if (!out.isEmpty() && bytes + e.size() > maxBytes) {
                break;
            }
            bytes += e.size();
            out.add(e);
        }
        return out;
    }

    /** Persists what a Ready asks to persist. */
    public void persist(Ready ready) {
        if (ready.snapshot() != null) {
            snapshot = ready.snapshot();
            entries.clear();
        }
        for (Entry e : ready.entries()) {
            int pos = (int) (e.index() - firstIndex());
            if (pos < 0) {
                continue;
            }
            if (pos > entries.size()) {
                throw new IllegalStateException("gap: persisting " + e.index() + " after " + lastIndex());
            }
            entries.subList(pos, entries.size()).clear();
            entries.add(e);
        }
        if (ready.hardState() != null) {
            hardState = ready.hardState();
        }
    }

    /** An independent copy of what it holds: a simulated disk keeps one as what survives a crash. */
    public MemoryStorage copy() {
        MemoryStorage copy = new MemoryStorage(snapshot);
        copy.hardState = hardState;
        copy.entries.addAll(entries);
        return copy;
    }

    /** Drops entries up to a snapshot the state machine has taken. */
    public void compact(SnapshotMeta to) {
        if (to.index() <= snapshot.index()) {
            return;
        }
        if (to.index() > lastIndex()) {
            throw new IllegalArgumentException("compacting to " + to.index() + " beyond " + lastIndex());
        }
        entries.subList(0, (int) (to.index() - snapshot.index())).clear();
        snapshot = to;
    }
}
