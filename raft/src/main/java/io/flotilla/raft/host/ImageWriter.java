package io.flotilla.raft.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * The one thread of a node that writes state machine images to files, durably. Writing an image
 * means reading the state machine's whole state (for a large range, seconds to minutes): done on
 * a group's own thread, it would hold up that group's heartbeats and votes, and every other group
 * on the worker, long enough to lose leaderships. One image at a time per node: images are rare,
 * and two at once would only share the same disk.
 *
 * <p>An image is written to {@code <target>.partial}, forced, renamed to its target and the
 * directory forced, so a crash leaves either all of it or a partial file (which the log deletes
 * when it opens). A save whose future is cancelled before it finished writes no more, and leaves
 * no file behind; nor does one the writer is closed under.
 */
public final class ImageWriter implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ImageWriter.class.getName());
    private static final String PARTIAL = ".partial";

    private record Save(ReadableByteChannel image, Path target, CompletableFuture<Void> done) {
    }

    private final Object monitor = new Object();
    /** Guarded by {@link #monitor}. */
    private final ArrayDeque<Save> queue = new ArrayDeque<>();
    /** Set under {@link #monitor}; read without it between chunks too. */
    private volatile boolean closing;
    private final Thread thread;

    private ImageWriter(String threadName) {
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    /** Starts the writer's thread. The caller owns it and closes it after the logs that use it. */
    public static ImageWriter start(String threadName) {
        ImageWriter writer = new ImageWriter(threadName);
        writer.thread.start();
        return writer;
    }

    /** The name a save writes to before its image is whole: the log that owns the directory deletes such leftovers. */
    static boolean isPartial(Path file) {
        return file.getFileName().toString().endsWith(PARTIAL);
    }

    /**
     * Reads {@code image} to its end and makes it durable at {@code target}, on the writer's thread;
     * closes the channel in any case. The future completes once the file is durable, fails with the
     * I/O error that stopped it, or may be cancelled by the caller, which abandons the save.
     */
    CompletableFuture<Void> write(ReadableByteChannel image, Path target) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (monitor) {
            if (!closing) {
                queue.add(new Save(image, target, done));
                monitor.notifyAll();
                return done;
            }
        }
        abandon(new Save(image, target, done), "the node's image writer is closed");
        return done;
    }

    private void run() {
        while (true) {
            Save next;
            synchronized (monitor) {
                while (queue.isEmpty() && !closing) {
                    try {
                        monitor.wait();
                    } catch (InterruptedException e) {
                        // Nobody interrupts this thread; close() is how it stops.
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (queue.isEmpty()) {
                    return;
                }
                next = queue.poll();
            }
            save(next);
        }
    }

    private void save(Save s) {
        Path partial = s.target().resolveSibling(s.target().getFileName() + PARTIAL);
        try (ReadableByteChannel image = s.image()) {
            if (s.done().isDone()) {
                // Cancelled while it waited: nothing was written.
                return;
            }
            try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
                while (image.read(buffer) >= 0) {
                    stopIfAbandoned(s);
                    buffer.flip();
                    while (buffer.hasRemaining()) {
                        out.write(buffer);
                    }
                    buffer.clear();
                }
                stopIfAbandoned(s);
                out.force(true);
            }
            Files.move(partial, s.target(), StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel directory = FileChannel.open(s.target().getParent(), StandardOpenOption.READ)) {
                directory.force(true);
            }
            if (!s.done().complete(null)) {
                // Cancelled after the last look: nobody will use this image, so it must not stay.
                Files.deleteIfExists(s.target());
            }
        } catch (IOException | RuntimeException e) {
            deleteAfterFailure(partial, e);
            s.done().completeExceptionally(e);
        }
    }

    /** Between chunks: a cancelled save or a closing writer writes no more. */
    private void stopIfAbandoned(Save s) throws IOException {
        if (s.done().isCancelled()) {
            throw new CancellationException("the save of " + s.target() + " was cancelled");
        }
        if (closing) {
            throw new IOException("the node's image writer closed while " + s.target() + " was being written");
        }
    }

    private static void deleteAfterFailure(Path partial, Exception failure) {
        try {
            Files.deleteIfExists(partial);
        } catch (IOException cleanup) {
            failure.addSuppressed(cleanup);
            LOG.log(System.Logger.Level.WARNING, "could not delete the partial image " + partial, cleanup);
        }
    }

    private static void abandon(Save s, String why) {
        IOException failure = new IOException(why + ": " + s.target() + " was not written");
        try {
            s.image().close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
        s.done().completeExceptionally(failure);
    }

    /**
     * Stops the thread: saves still queued fail, the one being written stops at its next chunk and
     * fails (its partial file deleted); returns once the thread has ended.
     */
    @Override
    public void close() {
        List<Save> dropped;
        synchronized (monitor) {
            closing = true;
            dropped = new ArrayList<>(queue);
            queue.clear();
            monitor.notifyAll();
        }
        dropped.forEach(s -> abandon(s, "the node's image writer closed"));
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                // The thread must not go on writing into directories its owners are about to close.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
