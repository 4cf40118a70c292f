package io.flotilla.raft.host;

import io.flotilla.raft.core.Config;
import io.flotilla.raft.core.Message;
import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.SnapshotMeta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Runs any number of Raft groups on one node with a fixed number of worker threads. Each group
 * lives on one worker (chosen by its id), so its core, log hand-offs and state machine are only
 * ever touched by that thread; callers talk to it through futures.
 */
public final class RaftHost implements AutoCloseable {

    private final long nodeId;
    private final List<Worker> workers = new ArrayList<>();
    private final Outbox outbox;
    /** Null when groups here never quiesce. */
    private final NodeLiveness liveness;
    private final LongSupplier clock;
    private final SplittableRandom seeds;
    /** Orders arriving snapshots against close, so a spooled image is never left behind. */
    private final Object lifecycle = new Object();
    private boolean closed;

    /**
     * @param workers threads that run the groups, independent of how many groups there are
     * @param queueCapacity tasks each worker queues from outside before it drops or refuses more
     * @param clock the monotonic clock (nanoseconds) the cores' timers run on
     * @param seed seeds the cores' election jitter
     */
    public RaftHost(long nodeId, int workers, int queueCapacity, Outbox outbox, LongSupplier clock, long seed) {
        this(nodeId, workers, queueCapacity, outbox, clock, seed, 0);
    }

    /**
     * @param livenessTimeout nanoseconds after which a silent peer node counts as failed; when
     *        positive, idle groups quiesce and this node pings its peers instead (see
     *        docs/idle-groups.md), and the network must report arrivals through {@link #heard(long)}.
     *        Zero: groups heartbeat while idle.
     */
    public RaftHost(long nodeId, int workers, int queueCapacity, Outbox outbox, LongSupplier clock, long seed,
                    long livenessTimeout) {
        if (workers < 1) {
            throw new IllegalArgumentException("need at least one worker");
        }
        if (livenessTimeout < 0) {
            throw new IllegalArgumentException("the liveness timeout must not be negative");
        }
        this.nodeId = nodeId;
        this.clock = clock;
        if (livenessTimeout > 0) {
            this.liveness = new NodeLiveness(nodeId, livenessTimeout, clock, outbox, this::wakeFollowersOf);
            this.outbox = new PeerTrackingOutbox(outbox, liveness);
        } else {
            this.liveness = null;
            this.outbox = outbox;
        }
        this.seeds = new SplittableRandom(seed);
        for (int i = 0; i < workers; i++) {
            Worker w = new Worker("raft-host-" + nodeId + "-worker-" + i, queueCapacity, clock);
            this.workers.add(w);
            w.start();
        }
        if (liveness != null) {
            liveness.start();
        }
    }

    public long nodeId() {
        return nodeId;
    }

    /**
     * Starts a replica of a group from what its log holds. The core's config must name this node;
     * {@code applied} in it says how far the state machine already is.
     */
    public CompletableFuture<Void> createGroup(long group, Config config, GroupLog log, StateMachine stateMachine) {
        if (config.id() != nodeId) {
            throw new IllegalArgumentException("config for node " + config.id() + " given to node " + nodeId);
        }
        SplittableRandom random;
        synchronized (seeds) {
            random = seeds.split();
        }
        long applied = config.applied();
        try {
            // The log starts at its snapshot: the state machine starts from that snapshot's image.
            var image = log.image();
            if (image.isPresent() && applied < log.storage().snapshot().index()) {
                try (var in = image.get()) {
                    stateMachine.restore(in);
                }
                applied = log.storage().snapshot().index();
            }
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        Raft raft = new Raft(config.withApplied(applied), log.storage(), clock, random, liveness);
        Replica replica = new Replica(group, raft, log, stateMachine, outbox, applied);
        CompletableFuture<Void> done = new CompletableFuture<>();
        submit(new Task.Create(group, replica, done), done);
        return done;
    }

    /** Stops the replica; pending work fails. Its log stays where it is, for its owner to delete. */
    public CompletableFuture<Void> removeGroup(long group) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        submit(new Task.Remove(group, done), done);
        return done;
    }

    /**
     * A snapshot image from a leader starts arriving for a group: chunks are spooled to a temporary
     * file (not held in memory), and once complete the group's core is told.
     */
    public IncomingSnapshot receiveSnapshot(long group, Message.InstallSnapshot announcement) throws IOException {
        Path spool = Files.createTempFile("flotilla-snapshot-" + nodeId + "-" + group + "-", ".image");
        FileChannel out = FileChannel.open(spool, StandardOpenOption.WRITE);
        return new IncomingSnapshot() {
            @Override
            public void accept(ByteBuffer chunk) throws IOException {
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
            }

            @Override
            public void complete() throws IOException {
                out.close();
                synchronized (lifecycle) {
                    if (!closed) {
                        // Queued before close: the worker's last drain discards it if it never runs.
                        workerOf(group).complete(new Task.SnapshotArrived(group, announcement, spool));
                        return;
                    }
                }
                Files.deleteIfExists(spool);
                throw new IOException("node " + nodeId + " closed before the snapshot of group " + group + " was installed");
            }

            @Override
            public void abort(Throwable cause) {
                try {
                    out.close();
                    Files.deleteIfExists(spool);
                } catch (IOException e) {
                    cause.addSuppressed(e);
                    System.getLogger(RaftHost.class.getName()).log(System.Logger.Level.WARNING,
                            "could not discard an aborted snapshot of group " + group, cause);
                }
            }
        };
    }

    /**
     * Saves an image of the group's applied state and drops its log up to it; completes with the
     * snapshot once that is durable.
     */
    public CompletableFuture<SnapshotMeta> compact(long group) {
        CompletableFuture<SnapshotMeta> done = new CompletableFuture<>();
        submit(new Task.Compact(group, done), done);
        return done;
    }

    /**
     * Something arrived from {@code node}: any frame, a ping included. Feeds the failure detector
     * that quiesced groups rely on; does nothing when groups here do not quiesce.
     */
    public void heard(long node) {
        if (liveness != null) {
            liveness.heard(node);
        }
    }

    private void wakeFollowersOf(long node) {
        for (Worker w : workers) {
            w.complete(new Task.WakeFollowers(node));
        }
    }

    /** A message from another node; dropped (false) when the group's worker is overloaded. */
    public boolean deliver(long group, Message message) {
        return workerOf(group).offer(new Task.Deliver(group, message));
    }

    /** Proposes a command; completes once it is applied here, with the state machine's answer. */
    public CompletableFuture<Committed> propose(long group, byte[] command) {
        CompletableFuture<Committed> result = new CompletableFuture<>();
        submit(new Task.Propose(group, command, result), result);
        return result;
    }

    /**
     * A linearizable read: once this replica, as leader, has confirmed it (by lease or ReadIndex)
     * and applied far enough, runs the query on the group's thread against its state machine.
     */
    public <T> CompletableFuture<T> read(long group, Supplier<T> query) {
        CompletableFuture<T> result = new CompletableFuture<>();
        submit(new Task.Read<>(group, query, result), result);
        return result;
    }

    /** Runs a function on the group's core on its thread: status, transfers, membership changes. */
    public <T> CompletableFuture<T> inspect(long group, Function<Raft, T> function) {
        CompletableFuture<T> result = new CompletableFuture<>();
        submit(new Task.Inspect<>(group, function, result), result);
        return result;
    }

    private void submit(Task task, CompletableFuture<?> result) {
        if (!workerOf(task.group()).offer(task)) {
            result.completeExceptionally(new GroupUnavailableException(task.group(),
                    GroupUnavailableException.Reason.OVERLOADED, null, 0, "the node's queue for it is full"));
        }
    }

    private Worker workerOf(long group) {
        long h = group * 0x9E3779B97F4A7C15L;
        return workers.get((int) Math.floorMod(h ^ (h >>> 32), (long) workers.size()));
    }

    /**
     * A fault hook: the node stops doing anything — no ticks, no messages handled, no log
     * completions — as in a long GC pause or under SIGSTOP, until {@link #resume()}. Its queues
     * fill meanwhile and then drop, as socket buffers would.
     */
    public void pause() {
        workers.forEach(Worker::pause);
    }

    public void resume() {
        workers.forEach(Worker::resume);
    }

    /** Stops every worker; pending work fails with STOPPED. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            closed = true;
        }
        if (liveness != null) {
            liveness.close();
        }
        for (Worker w : workers) {
            w.stop();
        }
    }
}
