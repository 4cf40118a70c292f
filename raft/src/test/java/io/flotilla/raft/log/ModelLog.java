package io.flotilla.raft.log;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.HardState;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.core.Storage;
import java.util.ArrayList;
import java.util.List;

/**
 * What the log should hold, record by record: the reference the crash test compares a recovered
 * log with. {@link #steps} gives the state after each record a write produces, because a crash
 * may keep any prefix of the records written after the last fsync.
 */
final class ModelLog {

    SnapshotMeta snapshot;
    HardState hardState;
    final List<Entry> entries = new ArrayList<>();

    ModelLog(SnapshotMeta snapshot, HardState hardState, List<Entry> entries) {
        this.snapshot = snapshot;
        this.hardState = hardState;
        this.entries.addAll(entries);
    }

    static ModelLog of(Storage storage) {
        return new ModelLog(storage.snapshot(), storage.hardState(), TestEntries.all(storage));
    }

    ModelLog copy() {
        return new ModelLog(snapshot, hardState, entries);
    }

    long lastIndex() {
        return snapshot.index() + entries.size();
    }

    long term(long index) {
        return index == snapshot.index() ? snapshot.term() : entries.get((int) (index - snapshot.index() - 1)).term();
    }

    /** The states after each record of {@code write}, applied to this one (which is not changed). */
    List<ModelLog> steps(LogWrite write) {
        List<ModelLog> out = new ArrayList<>();
        ModelLog s = copy();
        if (write instanceof Compaction c) {
            if (c.to().index() > s.snapshot.index()) {
                long drop = Math.min(c.to().index() - s.snapshot.index(), s.entries.size());
                s.entries.subList(0, (int) drop).clear();
                s.snapshot = c.to();
                out.add(s);
            }
            return out;
        }
        WriteBatch b = (WriteBatch) write;
        if (b.snapshot() != null) {
            s.snapshot = b.snapshot();
            s.entries.clear();
            out.add(s);
            s = s.copy();
        }
        if (!b.entries().isEmpty() && b.entries().get(0).index() <= s.lastIndex()) {
            s.entries.subList((int) (b.entries().get(0).index() - s.snapshot.index() - 1), s.entries.size()).clear();
            out.add(s);
            s = s.copy();
        }
        for (Entry e : b.entries()) {
            s.entries.add(e);
            out.add(s);
            s = s.copy();
        }
        if (b.hardState() != null) {
            s.hardState = b.hardState();
            out.add(s);
        }
        return out;
    }

    boolean sameAs(ModelLog other) {
        return snapshot.equals(other.snapshot) && hardState.equals(other.hardState) && entries.equals(other.entries);
    }

    @Override
    public String toString() {
        return "snapshot " + snapshot.index() + "/" + snapshot.term() + ", " + hardState + ", entries "
                + (entries.isEmpty() ? "none" : entries.get(0).index() + ".." + entries.get(entries.size() - 1).index());
    }
}
