package io.flotilla.raft.log;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.HardState;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.SnapshotMeta;
import java.util.List;

/**
 * What one Ready asks to persist, written in this order: the snapshot (which replaces the whole
 * log), the entries (which replace the log from their first index on), the hard state.
 *
 * @param snapshot  null if none
 * @param entries   consecutive indexes, possibly empty
 * @param hardState null if unchanged
 */
public record WriteBatch(SnapshotMeta snapshot, List<Entry> entries, HardState hardState) implements LogWrite {

    public WriteBatch {
        entries = List.copyOf(entries);
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).index() != entries.get(i - 1).index() + 1) {
                throw new IllegalArgumentException("entries not consecutive at " + entries.get(i).index());
            }
        }
    }

    public static WriteBatch of(Ready ready) {
        return new WriteBatch(ready.snapshot(), ready.entries(), ready.hardState());
    }

    public static WriteBatch entries(List<Entry> entries) {
        return new WriteBatch(null, entries, null);
    }

    public static WriteBatch hardState(HardState hardState) {
        return new WriteBatch(null, List.of(), hardState);
    }

    public boolean isEmpty() {
        return snapshot == null && entries.isEmpty() && hardState == null;
    }
}
