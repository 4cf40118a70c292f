package io.flotilla.raft.log;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.core.Storage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Entries whose payload names them, and a way to read a whole Storage back. */
final class TestEntries {

    static final SnapshotMeta BOOTSTRAP = SnapshotMeta.bootstrap(Membership.of(Set.of(1L), Set.of()));

    private TestEntries() {
    }

    static Entry entry(long term, long index) {
        return new Entry(term, index, new Payload.Command(("entry " + term + "/" + index).getBytes(StandardCharsets.UTF_8)));
    }

    /** Entries [from, to] of one term. */
    static List<Entry> range(long term, long from, long to) {
        List<Entry> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(entry(term, i));
        }
        return out;
    }

    /** Every entry the storage holds, read in pages as the core would. */
    static List<Entry> all(Storage storage) {
        List<Entry> out = new ArrayList<>();
        long last = storage.lastIndex();
        for (long from = storage.firstIndex(); from <= last; ) {
            List<Entry> page = storage.entries(from, last + 1, 1024);
            out.addAll(page);
            from += page.size();
        }
        return out;
    }
}
