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
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Runs any number of Raft groups on one node with a fixed number of worker threads. Each group
 * lives on one worker (chosen by its id), so its core, log hand-offs and state machine are only
 * ever touched by that thread; callers talk to it through futures.
 */
public final class RaftHost implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RaftHost.class.getName());
    private final long nodeId;
    /** The threads that run the loops; none in a host a simulator drives. */
    private final List<Worker> workers = new ArrayList<>();
    private final List<GroupLoop> loops = new ArrayList<>();
    private final Outbox outbox;
    /** Null when groups here never quiesce. */
    private final NodeLiveness liveness;
    private final LongSupplier clock;
    private final SplittableRandom seeds;
    /** Groups that stopped here after an unexpected failure, until they are created again. */
    private final Map<Long, GroupFailure> failures = new ConcurrentHashMap<>();
    /** The groups created here and not removed (failed ones included): a message for another is unhosted. */
    private final Set<Long> hosted = ConcurrentHashMap.newKeySet();
    private volatile BiConsumer<Long, Message> unhosted = (group, message) -> { };
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
            this.liveness = new NodeLiveness(nodeId, livenessTimeout, clock, outbox, this::lapsed);
            this.outbox = new PeerTrackingOutbox(outbox, liveness);
        } else {
            this.liveness = null;
            this.outbox = outbox;
        }
        this.seeds = new SplittableRandom(seed);
        for (int i = 0; i < workers; i++) {
            Worker w = new Worker("raft-host-" + nodeId + "-worker-" + i, queueCapacity, clock,
                    failure -> failures.put(failure.group(), failure));
            this.workers.add(w);
            this.loops.add(w.loop());
            w.start();
        }
        if (liveness != null) {
            liveness.start();
        }
    }

    /**
     * A host with one group loop and no thread: the loop runs a round only when {@code driver} is
     * told (through {@code wake}, from whichever thread queued work) and runs it. The whole-stack
     * simulator drives hosts this way, from its seeded scheduler, so that every step of every node
     * happens on one thread in an order the seed fixes. Groups heartbeat while idle (no quiescence:
     * node liveness runs on a thread of its own).
     */
    public static RaftHost driven(long nodeId, int queueCapacity, Outbox outbox, LongSupplier clock, long seed,
                                  Consumer<GroupLoop> driver) {
        return new RaftHost(nodeId, queueCapacity, outbox, clock, seed, driver);
    }

    private RaftHost(long nodeId, int queueCapacity, Outbox outbox, LongSupplier clock, long seed,
                     Consumer<GroupLoop> driver) {
        this.nodeId = nodeId;
        this.clock = clock;
        this.liveness = null;
        this.outbox = outbox;
        this.seeds = new SplittableRandom(seed);
        this.loops.add(new GroupLoop(queueCapacity, clock, failure -> failures.put(failure.group(), failure), driver));
    }

    /** The loops of a host a simulator drives (see {@link #driven}); empty for a host with threads. */
    public List<GroupLoop> drivenLoops() {
        return workers.isEmpty() ? List.copyOf(loops) : List.of();
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
        failures.remove(group);
        hosted.add(group);
        SplittableRandom random;
        synchronized (seeds) {
            random = seeds.split();
        }
        long applied = config.applied();
        try {
            // The log starts at its snapshot: the state machine starts from that snapshot's image.
            var image = log.image();
            if (image.isPresent() && applied < log.storage().snapshot().index()) {
                long snapshot = log.storage().snapshot().index();
                LOG.log(System.Logger.Level.INFO, "group " + group + ": restoring the state machine from the log's image at index " + snapshot);
                try (var in = image.get()) {
                    stateMachine.restore(in);
                }
                applied = snapshot;
                LOG.log(System.Logger.Level.INFO, "group " + group + ": restored the image at index " + snapshot);
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
        hosted.remove(group);
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
                        loopOf(group).complete(new Task.SnapshotArrived(group, announcement, spool));
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
                    LOG.log(System.Logger.Level.WARNING,
                            "could not discard an aborted snapshot of group " + group, cause);
                }
            }
        };
    }

    /**
     * Saves an image of the group's applied state and drops its log up to it; completes with the
     * snapshot once that is durable. The image is written by the log (in a node, on its image
     * writer thread) while the group goes on working. A request while a compaction of the group
     * runs completes with that one's snapshot; one with nothing to drop, with the log's snapshot as
     * it is. If the group stops meanwhile it fails with {@link GroupUnavailableException.Reason#STOPPED}.
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

    /** Whether this node's failure detector counts {@code node} live (heard from it within the timeout); false without one. */
    boolean counts(long node) {
        return liveness != null && liveness.isLive(node);
    }

    /** {@code node} fell silent: groups quiesced under it wake, and nothing sent to it in the silence arrives late. */
    private void lapsed(long node) {
        outbox.replaceConnection(node);
        for (GroupLoop loop : loops) {
            loop.complete(new Task.WakeFollowers(node));
        }
    }

    /**
     * Why the group stopped on this node after an unexpected failure, if it did: the replica takes
     * part in nothing until the group is created here again (a restart of the node).
     */
    public Optional<GroupFailure> failure(long group) {
        return Optional.ofNullable(failures.get(group));
    }

    /**
     * Who hears of a message for a group this node does not host (it is dropped, as before): a
     * node whose replica of a range missed the range's split learns so from the new range's leader,
     * and opens an empty replica of it for the leader to fill. Called on a transport thread: it
     * must be quick.
     */
    public void whenUnhosted(BiConsumer<Long, Message> listener) {
        this.unhosted = listener;
    }

    /** A message from another node; dropped (false) when the group's worker is overloaded. */
    public boolean deliver(long group, Message message) {
        if (!hosted.contains(group)) {
            unhosted.accept(group, message);
        }
        Task.Deliver task = new Task.Deliver(group, message);
        return Message.isLeadershipTraffic(message) ? loopOf(group).offerLeadership(task) : loopOf(group).offer(task);
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
        if (!loopOf(task.group()).offer(task)) {
            result.completeExceptionally(new GroupUnavailableException(task.group(),
                    GroupUnavailableException.Reason.OVERLOADED, null, 0, "the node's queue for it is full"));
        }
    }

    private GroupLoop loopOf(long group) {
        // Group ids are handed out in sequence (ranges 1, 2, then each split's): consecutive ids go
        // to consecutive workers, so the first groups spread over all of them. The hash this
        // replaces sent ranges 1 and 2 to the same one of a node's two workers, and the meta
        // range's replay after a restart held up the data range's while the other worker idled.
        return loops.get((int) Math.floorMod(group, (long) loops.size()));
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
        if (workers.isEmpty()) {
            // Driven: no thread to end; the loop's groups stop here, on the caller's thread.
            loops.forEach(GroupLoop::close);
        }
    }
}
