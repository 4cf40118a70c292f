package io.flotilla.raft.sim;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.HardState;
import io.flotilla.raft.core.MemoryStorage;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.core.Storage;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a simulated node has on disk: it survives crashes, and anything the node had not yet
 * persisted when it crashed never reaches it. On top of the log it keeps the state machine image
 * of the latest snapshot and, per entry, a hash of the whole log up to it, so the oracle can check
 * log matching as entries land.
 */
final class SimStorage implements Storage {

    private final MemoryStorage log;
    private KvStore.Image snapshot;
    private final Map<Long, Long> chainHashes = new HashMap<>();

    SimStorage(KvStore.Image bootstrap) {
        this.log = new MemoryStorage(bootstrap.meta());
        this.snapshot = bootstrap;
        chainHashes.put(bootstrap.meta().index(), 0L);
    }

    @Override
    public HardState hardState() {
        return log.hardState();
    }

    @Override
    public SnapshotMeta snapshot() {
        return log.snapshot();
    }

    KvStore.Image snapshotImage() {
        return snapshot;
    }

    @Override
    public long firstIndex() {
        return log.firstIndex();
    }

    @Override
    public long lastIndex() {
        return log.lastIndex();
    }

    @Override
    public long term(long index) {
        return log.term(index);
    }

    @Override
    public List<Entry> entries(long from, long to, long maxBytes) {
        return log.entries(from, to, maxBytes);
    }

    long chainHash(long index) {
        return chainHashes.get(index);
    }

    /** Makes a Ready durable, as the host must before sending its messages. */
    void persist(Ready ready, KvStore.Image receivedSnapshot, long receivedChainHash, Oracle oracle, long node) {
        if (ready.snapshot() != null) {
            snapshot = receivedSnapshot;
            chainHashes.clear();
            chainHashes.put(receivedSnapshot.meta().index(), receivedChainHash);
        }
        log.persist(ready);
        for (Entry e : ready.entries()) {
            if (e.index() > log.snapshot().index()) {
                long chain = Oracle.chain(chainHashes.get(e.index() - 1), e);
                chainHashes.put(e.index(), chain);
                oracle.persisted(node, e, chain);
            }
        }
        chainHashes.keySet().removeIf(index -> index > log.lastIndex());
    }

    /** Drops entries up to the image's index, which the node's state machine has applied. */
    void compact(KvStore.Image image) {
        if (image.meta().index() <= log.snapshot().index()) {
            return;
        }
        log.compact(image.meta());
        snapshot = image;
        chainHashes.keySet().removeIf(index -> index < image.meta().index());
    }
}
