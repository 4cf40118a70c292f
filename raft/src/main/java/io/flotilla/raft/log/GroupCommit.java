package io.flotilla.raft.log;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one thread that writes and fsyncs the logs of every group on a node. It works in rounds: take
 * every write submitted so far, write them all, fsync each file they touched once, then complete
 * their futures. Writes submitted while a round's fsyncs run wait for the next round, so one fsync
 * covers as many writes as arrived meanwhile. The fsyncs of one round's files run side by side (on a
 * few helper threads), since a disk completes concurrent flushes about as fast as one.
 *
 * <p>A failed write or fsync stops it for good: the page cache may have dropped the data, so
 * nothing written since the last good fsync can be trusted to be on disk. That round's writes and
 * every later one fail with the same IOException; the node must stop acknowledging and restart
 * (recovery then shows what actually is durable).
 */
public final class GroupCommit implements AutoCloseable {

    private record PendingWrite(DurableLog log, LogWrite write, CompletableFuture<Void> done) {
    }

    private final Object monitor = new Object();
    /** Guarded by {@link #monitor}. */
    private List<PendingWrite> queue = new ArrayList<>();
    /** Guarded by {@link #monitor}. */
    private IOException failure;
    /** Guarded by {@link #monitor}. */
    private boolean closing;
    private final Thread thread;
    /** Forces all but one of a round's logs; the writer thread forces the first itself. Null: it forces them all, one after another. */
    private final ExecutorService fsyncThreads;
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong forces = new AtomicLong();

    private GroupCommit(String threadName, int parallelFsyncs) {
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
        AtomicInteger started = new AtomicInteger();
        this.fsyncThreads = parallelFsyncs <= 1 ? null : Executors.newFixedThreadPool(parallelFsyncs - 1, task -> {
            Thread t = new Thread(task, threadName + "-fsync-" + started.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the writer thread, with up to 4 fsyncs at a time. The caller owns it and closes it after every log using it. */
    public static GroupCommit start(String threadName) {
        return start(threadName, 4);
    }

    /** Starts the writer thread, with up to {@code parallelFsyncs} fsyncs of one round at a time. */
    public static GroupCommit start(String threadName, int parallelFsyncs) {
        GroupCommit writer = new GroupCommit(threadName, parallelFsyncs);
        writer.thread.start();
        return writer;
    }

    /** The error that stopped this writer, if one did. */
    public Optional<IOException> failure() {
        synchronized (monitor) {
            return Optional.ofNullable(failure);
        }
    }

    /** Rounds run so far (each ends with at most one fsync per file it touched). */
    public long rounds() {
        return rounds.get();
    }

    /** Files fsynced so far. */
    public long forces() {
        return forces.get();
    }

    CompletableFuture<Void> submit(DurableLog log, LogWrite write) {
        synchronized (monitor) {
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            if (closing) {
                return CompletableFuture.failedFuture(new IllegalStateException("log writer closed"));
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            queue.add(new PendingWrite(log, write, done));
            monitor.notifyAll();
            return done;
        }
    }

    /** Finishes the writes already submitted, then stops the thread. Later writes fail. */
    @Override
    public void close() {
        synchronized (monitor) {
            closing = true;
            monitor.notifyAll();
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                // Closing must not leave the thread writing to files its owners are about to close.
                interrupted = true;
            }
        }
        if (fsyncThreads != null) {
            // Idle by now: the writer thread waits for every fsync it hands out before it returns.
            fsyncThreads.shutdown();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (true) {
            List<PendingWrite> round;
            IOException stoppedBy;
            synchronized (monitor) {
                while (queue.isEmpty() && !closing) {
                    try {
                        monitor.wait();
                    } catch (InterruptedException e) {
                        stop(new IOException("log writer interrupted", e));
                    }
                }
                if (queue.isEmpty()) {
                    return;
                }
                round = queue;
                queue = new ArrayList<>();
                stoppedBy = failure;
            }
            if (stoppedBy != null) {
                round.forEach(w -> w.done.completeExceptionally(stoppedBy));
            } else {
                runRound(round);
            }
        }
    }

    private void runRound(List<PendingWrite> round) {
        rounds.incrementAndGet();
        List<PendingWrite> staged = new ArrayList<>(round.size());
        List<Publication> publications = new ArrayList<>(round.size());
        Set<DurableLog> touched = new LinkedHashSet<>();
        try {
            for (PendingWrite w : round) {
                try {
                    w.log.validate(w.write);
                } catch (IllegalArgumentException e) {
                    w.done.completeExceptionally(e);
                    continue;
                }
                publications.add(w.log.stage(w.write));
                staged.add(w);
                touched.add(w.log);
            }
            forceAll(new ArrayList<>(touched));
            for (Publication p : publications) {
                p.publish();
            }
        } catch (IOException e) {
            failRound(round, e);
            return;
        } catch (RuntimeException e) {
            failRound(round, new IOException("log writer failed", e));
            return;
        }
        for (PendingWrite w : staged) {
            w.done.complete(null);
        }
    }

    /** Forces every log, side by side; waits for all of them even if one fails. */
    private void forceAll(List<DurableLog> logs) throws IOException {
        if (logs.isEmpty()) {
            return;
        }
        List<Future<Integer>> helped = new ArrayList<>();
        if (fsyncThreads != null) {
            for (DurableLog log : logs.subList(1, logs.size())) {
                helped.add(fsyncThreads.submit(log::force));
            }
        } else {
            for (DurableLog log : logs.subList(1, logs.size())) {
                forces.addAndGet(log.force());
            }
        }
        IOException failed = null;
        try {
            forces.addAndGet(logs.get(0).force());
        } catch (IOException e) {
            failed = e;
        }
        boolean interrupted = false;
        for (Future<Integer> f : helped) {
            while (true) {
                try {
                    forces.addAndGet(f.get());
                    break;
                } catch (InterruptedException e) {
                    // A helper may still be forcing one of these files: the round cannot end before it does.
                    interrupted = true;
                } catch (ExecutionException e) {
                    IOException cause = e.getCause() instanceof IOException io ? io
                            : new IOException("fsync failed", e.getCause());
                    if (failed == null) {
                        failed = cause;
                    } else if (cause != failed) {
                        failed.addSuppressed(cause);
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failed != null) {
            throw failed;
        }
    }

    private void failRound(List<PendingWrite> round, IOException e) {
        synchronized (monitor) {
            stop(e);
        }
        for (PendingWrite w : round) {
            w.done.completeExceptionally(e);
        }
    }

    /** Caller holds the monitor. The first error is the one reported; later ones follow from it. */
    private void stop(IOException e) {
        if (failure == null) {
            failure = e;
        } else if (failure != e) {
            failure.addSuppressed(e);
        }
    }
}
