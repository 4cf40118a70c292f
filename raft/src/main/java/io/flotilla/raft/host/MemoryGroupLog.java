package io.flotilla.raft.host;

import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.MemoryStorage;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.core.Storage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A group log in memory, for embedded clusters and tests: it survives a host's crash and restart
 * within the process, and nothing else. Writes happen on the worker thread (so the core never reads
 * storage while it changes); the completion arrives later, from another thread, as a real log's
 * fsync would.
 */
public final class MemoryGroupLog implements GroupLog {

    private final MemoryStorage storage;
    private final Executor fsync;
    private final TreeMap<Long, byte[]> images = new TreeMap<>();

    public MemoryGroupLog(Membership members, Executor fsync) {
        this.storage = new MemoryStorage(SnapshotMeta.bootstrap(members));
        this.fsync = fsync;
    }

    @Override
    public Storage storage() {
        return storage;
    }

    @Override
    public synchronized CompletableFuture<Void> persist(Ready ready) {
        storage.persist(ready);
        if (ready.snapshot() != null) {
            images.headMap(ready.snapshot().index()).clear();
        }
        return CompletableFuture.runAsync(() -> { }, fsync);
    }

    @Override
    public synchronized void saveImage(SnapshotMeta meta, ReadableByteChannel image) throws IOException {
        try (InputStream in = Channels.newInputStream(image)) {
            images.put(meta.index(), in.readAllBytes());
        }
    }

    @Override
    public synchronized Optional<ReadableByteChannel> image() throws IOException {
        long index = storage.snapshot().index();
        if (index == 0) {
            return Optional.empty();
        }
        byte[] bytes = images.get(index);
        if (bytes == null) {
            throw new IOException("no image saved for the snapshot at index " + index);
        }
        return Optional.of(Channels.newChannel(new ByteArrayInputStream(bytes)));
    }

    @Override
    public synchronized CompletableFuture<Void> compact(SnapshotMeta to) {
        storage.compact(to);
        images.headMap(to.index()).clear();
        return CompletableFuture.completedFuture(null);
    }
}
