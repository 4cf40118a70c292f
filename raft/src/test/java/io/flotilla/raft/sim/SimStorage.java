package io.flotilla.raft.sim;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.HardState;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.core.Storage;

import java.util.ArrayList;
import java.util.List;

/**
 * What a simulated node has on disk. It survives crashes; anything the node had not yet persisted
 * when it crashed never reaches it. Also keeps, per entry, a hash of the log up to it, so the
 * oracle can check log matching as entries land.
 */
final class SimStorage implements Storage {

    private HardState hardState = HardState.EMPTY;
    private KvStore.Image snapshot;
    private final ArrayList<Entry> entries = new ArrayList<>();
    private final ArrayList<Long> chainHashes = new ArrayList<>();
    private long snapshotChainHash;

    SimStorage(KvStore.Image bootstrap) {
        this.snapshot = bootstrap;
    }

    @Override
    public HardState hardState() {
        return hardState;
    }

    @Override
    public SnapshotMeta snapshot() {
        return snapshot.meta();
    }

    KvStore.Image snapshotImage() {
        return snapshot;
    }

    @Override
    public long firstIndex() {
        return snapshot.meta().index() + 1;
    }

    @Override
    public long lastIndex() {
        return snapshot.meta().index() + entries.size();
    }

    @Override
    public long term(long index) {
        if (index == snapshot.meta().index()) {
            return snapshot.meta().term();
        }
        return entry(index).term();
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
            Entry e = entry(i);
            if (!out.isEmpty() && bytes + e.size() > maxBytes) {
                break;
            }
            bytes += e.size();
            out.add(e);
        }
        return out;
    }

    Entry entry(long index) {
        return entries.get((int) (index - firstIndex()));
    }

    long chainHash(long index) {
        return index == snapshot.meta().index() ? snapshotChainHash : chainHashes.get((int) (index - firstIndex()));
    }

    /** Makes a Ready durable, as the host must before sending its messages. */
    void persist(Ready ready, KvStore.Image receivedSnapshot, long receivedChainHash, Oracle oracle, long node) {
        if (ready.snapshot() != null) {
            snapshot = receivedSnapshot;
            snapshotChainHash = receivedChainHash;
            entries.clear();
            chainHashes.clear();
        }
        for (Entry e : ready.entries()) {
            long index = e.index();
            if (index <= snapshot.meta().index()) {
                continue;
            }
            int pos = (int) (index - firstIndex());
            if (pos > entries.size()) {
                throw new IllegalStateException("gap persisting " + index + " after " + lastIndex());
            }
            entries.subList(pos, entries.size()).clear();
            chainHashes.subList(pos, chainHashes.size()).clear();
            long chain = Oracle.chain(chainHash(index - 1), e);
            entries.add(e);
            chainHashes.add(chain);
            oracle.persisted(node, e, chain);
        }
        if (ready.hardState() != null) {
            hardState = ready.hardState();
        }
    }

    /** Drops entries up to the image's index, which the node's state machine has applied. */
    void compact(KvStore.Image image) {
        long index = image.meta().index();
        if (index <= snapshot.meta().index()) {
            return;
        }
        if (index > lastIndex()) {
            throw new IllegalArgumentException("compacting to " + index + " beyond " + lastIndex());
        }
        long chain = chainHash(index);
        int drop = (int) (index - snapshot.meta().index());
        entries.subList(0, drop).clear();
        chainHashes.subList(0, drop).clear();
        snapshot = image;
        snapshotChainHash = chain;
    }
}
