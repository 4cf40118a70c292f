package io.flotilla.raft.host;

import io.flotilla.raft.core.HardState;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.core.Storage;
import io.flotilla.raft.log.DurableLog;
import io.flotilla.raft.log.GroupCommit;
import io.flotilla.raft.log.LogDirectory;
import io.flotilla.raft.log.LogOptions;
import io.flotilla.raft.log.WriteBatch;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A group's log on disk: Readies go to the node's group-commit writer, reads to the log's index,
 * and state machine images to files {@code <index>.image} in a directory of their own, written by
 * the node's {@link ImageWriter} (a temporary name, fsynced and renamed, so a crash leaves either
 * all of an image or none). Older images are deleted only once the log no longer needs them; an
 * image the log never came to use (a crash between its save and the log's record of it, a save
 * cut short) is deleted when the log opens.
 */
public final class DurableGroupLog implements GroupLog {

    private static final String SUFFIX = ".image";

    private final DurableLog log;
    private final Path images;
    private final ImageWriter writer;

    /** Opens the group's images beside its opened log, deleting those the log does not start from. */
    public DurableGroupLog(DurableLog log, Path images, ImageWriter writer) throws IOException {
        this.log = log;
        this.images = Files.createDirectories(images);
        this.writer = writer;
        deleteUnused();
    }

    /**
     * Creates a group's log that starts at {@code base}: the image is made durable in {@code
     * images} first (on the image writer; this waits for it), then a log whose snapshot is {@code
     * base} is written and closed. A crash in between leaves an image and no log: the group does
     * not exist, and a later creation writes the image again.
     */
    public static void create(LogDirectory logDirectory, GroupCommit logWriter, Path images, ImageWriter imageWriter,
                              SnapshotMeta base, ReadableByteChannel image, LogOptions options) throws IOException {
        Files.createDirectories(images);
        try {
            imageWriter.write(image, images.resolve(base.index() + SUFFIX)).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io
                    : new IOException("saving the first image of a new group failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the first image of a new group was saved");
        }
        try (DurableLog log = DurableLog.open(logDirectory, logWriter, base, options)) {
            log.append(WriteBatch.hardState(HardState.startingAt(base))).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io
                    : new IOException("writing the first state of a new group's log failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while a new group's log was written");
        }
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
    public CompletableFuture<Void> saveImage(SnapshotMeta meta, ReadableByteChannel image) {
        return writer.write(image, pathOf(meta.index()));
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

    /**
     * On open, only the image of the log's snapshot is of use: a partial one was cut short by a
     * crash, and one at any other index was saved for a compaction or install that never became
     * durable (or is older, and was left by a crash before its deletion).
     */
    private void deleteUnused() throws IOException {
        long needed = log.snapshot().index();
        try (var files = Files.list(images)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                long index = indexOf(p);
                if (ImageWriter.isPartial(p) || (index >= 0 && index != needed)) {
                    Files.delete(p);
                }
            }
        }
    }

    /** The index of an image file; -1 for any other file, which is not this log's to delete. */
    private static long indexOf(Path file) {
        String name = file.getFileName().toString();
        if (!name.endsWith(SUFFIX)) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Images older than the log's snapshot are no longer needed; failing to delete one wastes space only. */
    private void deleteImagesBefore(long index) {
        try (var files = Files.list(images)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                long image = indexOf(p);
                if (image >= 0 && image < index) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            System.getLogger(DurableGroupLog.class.getName()).log(System.Logger.Level.WARNING,
                    "could not delete old snapshot images in " + images, e);
        }
    }
}
