package io.flotilla.sql.sim;

import io.flotilla.raft.core.MemoryStorage;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.core.Storage;
import io.flotilla.raft.host.GroupLog;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * A group's log on a simulated disk: a write is durable only once its simulated fsync completes,
 * and a crash keeps what was synced plus, as a torn tail, a seeded prefix of the writes still in
 * flight. An image is read at once (on the one thread, as the simulated network reads the images
 * it ships) and durable after a seeded delay, as a real node's image writer makes it while the
 * group goes on; a crash before then loses it.
 */
final class SimGroupLog implements GroupLog {

    private record Write(Ready ready, CompletableFuture<Void> done) {
    }

    private final Scheduler scheduler;
    private final MemoryStorage live;
    /** What a crash now would leave: everything whose fsync completed. */
    private final MemoryStorage synced;
    private final TreeMap<Long, byte[]> images;
    private final ArrayDeque<Write> inFlight = new ArrayDeque<>();
    private boolean crashed;

    SimGroupLog(Scheduler scheduler, MemoryStorage durable, TreeMap<Long, byte[]> images) {
        this.scheduler = scheduler;
        this.live = durable.copy();
        this.synced = durable.copy();
        this.images = images;
    }

    @Override
    public Storage storage() {
        return live;
    }

    @Override
    public CompletableFuture<Void> persist(Ready ready) {
        live.persist(ready);
        Write write = new Write(ready, new CompletableFuture<>());
        inFlight.add(write);
        // One fsync after another, as a log file's are.
        scheduler.after(scheduler.millis(0.05, 2), this::syncOne);
        return write.done();
    }

    private void syncOne() {
        Write w = inFlight.poll();
        if (w == null || crashed) {
            return;
        }
        synced.persist(w.ready());
        w.done().complete(null);
    }

    @Override
    public CompletableFuture<Void> saveImage(SnapshotMeta meta, ReadableByteChannel image) {
        byte[] bytes;
        try (InputStream in = Channels.newInputStream(image)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> saved = new CompletableFuture<>();
        scheduler.after(scheduler.millis(0.5, 20), () -> {
            if (crashed) {
                saved.completeExceptionally(new IOException("the node crashed before the image at " + meta.index()
                        + " was durable"));
            } else if (!saved.isCancelled()) {
                images.put(meta.index(), bytes);
                saved.complete(null);
            }
        });
        return saved;
    }

    @Override
    public Optional<ReadableByteChannel> image() throws IOException {
        long index = live.snapshot().index();
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
    public CompletableFuture<Void> compact(SnapshotMeta to) {
        live.compact(to);
        if (to.index() <= synced.lastIndex()) {
            synced.compact(to);
        }
        // Images older than what either copy starts from are needed by neither.
        images.headMap(Math.min(to.index(), synced.snapshot().index())).clear();
        return CompletableFuture.completedFuture(null);
    }

    /**
     * The node crashed: what survives on disk, for the log of its next incarnation. Writes in flight
     * are lost but for a seeded prefix of them (a torn tail cut at a record boundary).
     */
    SimGroupLog crash() {
        crashed = true;
        int kept = inFlight.isEmpty() ? 0 : scheduler.random.nextInt(inFlight.size() + 1);
        for (int i = 0; i < kept; i++) {
            synced.persist(inFlight.poll().ready());
        }
        inFlight.clear();
        return new SimGroupLog(scheduler, synced, images);
    }
}
