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
import java.util.concurrent.RejectedExecutionException;

/**
 * A group log in memory, for embedded clusters and tests: it survives a host's crash and restart
 * within the process, and nothing else. Writes happen on the worker thread (so the core never reads
 * storage while it changes); the completion arrives later, from another thread, as a real log's
 * fsync would. Images are read on that other thread too, as a real log's image writer reads them.
 */
public final class MemoryGroupLog implements GroupLog {

    private final MemoryStorage storage;
    private final Executor fsync;
    private final TreeMap<Long, byte[]> images = new TreeMap<>();

    /** @param fsync completes writes and saves images, on a thread other than the caller's */
    public MemoryGroupLog(Membership members, Executor fsync) {
        this.storage = new MemoryStorage(SnapshotMeta.bootstrap(members));
        this.fsync = fsync;
    }

    /** A log that starts at {@code base}, whose state machine image is {@code image}: a group split off another. */
    public MemoryGroupLog(SnapshotMeta base, byte[] image, Executor fsync) {
        this.storage = MemoryStorage.startingAt(base);
        this.fsync = fsync;
        images.put(base.index(), image.clone());
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
    public CompletableFuture<Void> saveImage(SnapshotMeta meta, ReadableByteChannel image) {
        CompletableFuture<Void> saved = new CompletableFuture<>();
        try {
            fsync.execute(() -> save(meta, image, saved));
        } catch (RejectedExecutionException e) {
            closeAfterFailure(image, e);
            saved.completeExceptionally(new IOException("the image at " + meta.index() + " could not be saved: "
                    + "the log's executor refused it", e));
        }
        return saved;
    }

    private void save(SnapshotMeta meta, ReadableByteChannel image, CompletableFuture<Void> saved) {
        byte[] bytes;
        try (InputStream in = Channels.newInputStream(image)) {
            if (saved.isDone()) {
                // Cancelled before it started.
                return;
            }
            bytes = in.readAllBytes();
        } catch (IOException | RuntimeException e) {
            saved.completeExceptionally(e);
            return;
        }
        synchronized (this) {
            if (saved.isCancelled()) {
                return;
            }
            images.put(meta.index(), bytes);
        }
        if (!saved.complete(null)) {
            // Cancelled meanwhile: nobody will use it.
            synchronized (this) {
                images.remove(meta.index(), bytes);
            }
        }
    }

    private static void closeAfterFailure(ReadableByteChannel image, Exception failure) {
        try {
            image.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
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
