package io.flotilla.raft.host;

import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.core.Storage;
import io.flotilla.raft.log.DurableLog;
import io.flotilla.raft.log.WriteBatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A group's log on disk: Readies go to the node's group-commit writer, reads to the log's index,
 * and state machine images to files {@code <index>.image} in a directory of their own. An image is
 * written to a temporary name, fsynced and renamed, so a crash leaves either all of it or none;
 * older images are deleted only once the log no longer needs them.
 */
public final class DurableGroupLog implements GroupLog {

    private static final String SUFFIX = ".image";

    private final DurableLog log;
    private final Path images;

    public DurableGroupLog(DurableLog log, Path images) throws IOException {
        this.log = log;
        this.images = Files.createDirectories(images);
    }

    @Override
    public Storage storage() {
        return log;
    }

    @Override
    public CompletableFuture<Void> persist(Ready ready) {
        CompletableFuture<Void> durable = log.append(WriteBatch.of(ready));
        return ready.snapshot() == null ? durable : durable.thenRun(() -> deleteImagesBefore(ready.snapshot().index()));
    }

    @Override
    public void saveImage(SnapshotMeta meta, ReadableByteChannel image) throws IOException {
        Path partial = images.resolve(meta.index() + SUFFIX + ".partial");
        try (image; FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            while (image.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                buffer.clear();
            }
            out.force(true);
        }
        Files.move(partial, pathOf(meta.index()), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel directory = FileChannel.open(images, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    @Override
    public Optional<ReadableByteChannel> image() throws IOException {
        long index = log.snapshot().index();
        if (index == 0) {
            return Optional.empty();
        }
        Path path = pathOf(index);
        if (!Files.exists(path)) {
            throw new IOException("no image saved for the snapshot at index " + index + " in " + images);
        }
        return Optional.of(FileChannel.open(path, StandardOpenOption.READ));
    }

    @Override
    public CompletableFuture<Void> compact(SnapshotMeta to) {
        return log.compact(to).thenRun(() -> deleteImagesBefore(to.index()));
    }

    private Path pathOf(long index) {
        return images.resolve(index + SUFFIX);
    }

    /** Images older than the log's snapshot are no longer needed; failing to delete one wastes space only. */
    private void deleteImagesBefore(long index) {
        try (var files = Files.list(images)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (name.endsWith(SUFFIX) && Long.parseLong(name.substring(0, name.length() - SUFFIX.length())) < index) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException | NumberFormatException e) {
            System.getLogger(DurableGroupLog.class.getName()).log(System.Logger.Level.WARNING,
                    "could not delete old snapshot images in " + images, e);
        }
    }
}
