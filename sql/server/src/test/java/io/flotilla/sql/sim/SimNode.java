package io.flotilla.sql.sim;

import io.flotilla.raft.core.MemoryStorage;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.host.GroupLog;
import io.flotilla.raft.host.GroupLoop;
import io.flotilla.raft.host.Outbox;
import io.flotilla.raft.host.RaftHost;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.sql.node.Endpoint;
import io.flotilla.sql.node.LogCompaction;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.NodeConfig;
import io.flotilla.sql.node.NodeEnvironment;
import io.flotilla.sql.node.Peer;
import io.flotilla.sql.node.RaftNetwork;
import io.flotilla.sql.server.ClientSession;
import io.flotilla.sql.server.NodeSessions;
import io.flotilla.statemachine.range.RangeReplica;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.LongFunction;
import java.util.random.RandomGenerator;

/**
 * One node of the simulated cluster: a production {@link Node}, assembled by {@link
 * Node#assemble} as a real node is, from a simulated environment — a host whose group loop the
 * scheduler runs, the simulated network and disk, clocks that run at a seeded rate near the
 * scheduler's, waits on the scheduler's threads. A crash throws away everything but what its disk
 * kept (the logs' synced writes, what H2 had written).
 */
final class SimNode {

    /** The range the workloads use: the node's data range. */
    static final long RANGE = Node.DATA_RANGE;
    /**
     * Compaction after a few dozen entries (or 256 KiB), looked at twice a simulated second:
     * within a seed's few seconds every node compacts its logs many times, and restarts and
     * lagging followers start from the images.
     */
    static final LogCompaction.Policy LOG_COMPACTION = new LogCompaction.Policy(64, 256 << 10, Duration.ofMillis(500));

    final long id;
    private final Scheduler scheduler;
    private final SimNetwork network;
    private final SimThreads threads;
    private final SimPeerLinks peers;
    private final NodeConfig config;
    private final RangeReplica.Options options;
    private final double rate;
    private final long offset;
    private final long wallSkewMillis;
    /** Each group's log on the simulated disk; a crash keeps what was synced. */
    private final Map<Long, SimGroupLog> logs = new HashMap<>();
    private RaftHost host;
    private Node node;
    private NodeSessions sessions;
    private boolean up;
    private int incarnation;
    private boolean runScheduled;
    private long timerScheduledAt = Long.MAX_VALUE;
    /** Why the node failed to start, if it did: a violation. */
    String startFailure;
    /** Entries applied before crashes that H2 had not written and the replica applied again from the log. */
    long reapplied;
    private long appliedAtCrash = -1;

    SimNode(long id, Scheduler scheduler, SimNetwork network, SimThreads threads, SimPeerLinks peers, Path directory,
            RangeReplica.Options options, SortedMap<Long, Peer> initial, boolean joins) {
        this.id = id;
        this.scheduler = scheduler;
        this.network = network;
        this.threads = threads;
        this.peers = peers;
        this.options = options;
        SortedMap<Long, Peer> known = new TreeMap<>(initial);
        known.putIfAbsent(id, peer(id));
        this.config = new NodeConfig(id, Endpoint.at(known.get(id).raft()), Endpoint.at(known.get(id).sql()), directory,
                joins ? known : initial, List.of(), Duration.ofMillis(300), Duration.ofMillis(30), Duration.ofMillis(60),
                // No splits by size: the simulator's split client splits, at its own moments.
                joins, Duration.ofSeconds(60), 0, 0);
        // Clocks run within 0.5 % of each other: far inside the drift bound the lease allows for.
        this.rate = 1 + (scheduler.random.nextDouble() - 0.5) / 100;
        this.offset = scheduler.random.nextLong(1_000_000_000_000L);
        this.wallSkewMillis = scheduler.random.nextLong(101) - 50;
    }

    /** Where a simulated node says it listens: names only, nothing binds them. */
    static Peer peer(long id) {
        return new Peer(id, InetSocketAddress.createUnresolved("node" + id, 7100),
                InetSocketAddress.createUnresolved("node" + id, 5100));
    }

    /** This node's wall clock, in milliseconds: its own rate, and up to 50 ms off the others'. */
    private long wallClockMillis() {
        return 1_700_000_000_000L + wallSkewMillis + (long) (scheduler.now() * rate) / 1_000_000;
    }

    /** This node's monotonic clock, in nanoseconds. */
    long clock() {
        return offset + (long) (scheduler.now() * rate);
    }

    private long simulatedTimeOf(long clockNanos) {
        return (long) ((clockNanos - offset) / rate) + 1;
    }

    /** Starts the node on a thread of the scheduler's (it waits for its groups to start). */
    void start() {
        incarnation++;
        up = true;
        runScheduled = false;
        timerScheduledAt = Long.MAX_VALUE;
        int mine = incarnation;
        long hostSeed = scheduler.random.nextLong();
        RandomGenerator random = new SplittableRandom(hostSeed);
        NodeEnvironment environment = new NodeEnvironment(new Network(mine), new Logs(),
                new RaftNode.Loops.Driven(loop -> wake(loop, mine)), this::clock, this::clock, this::wallClockMillis,
                random, options, threads, peers.from(id), LOG_COMPACTION, (name, task) -> {
                    SimThreads.Incarnation inside = new SimThreads.Incarnation(id, mine);
                    threads.spawn(name + "-" + mine, () -> threads.inside(inside, () -> {
                        task.run();
                        return Boolean.TRUE;
                    }));
                });
        threads.spawn("node-" + id + "-start-" + mine, () -> {
            try {
                Node started = Node.assemble(config, environment);
                if (mine != incarnation) {
                    // Crashed while it started: nothing of it may run on.
                    started.crash();
                    return;
                }
                node = started;
                sessions = new NodeSessions(started);
                compactLogs(started, mine);
                if (appliedAtCrash >= 0) {
                    reapplied += Math.max(0, appliedAtCrash - replica().applied());
                    appliedAtCrash = -1;
                }
            } catch (IOException | SQLException | RuntimeException e) {
                if (mine == incarnation) {
                    startFailure = "node " + id + " did not start: " + e;
                    up = false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /**
     * The node's log compaction runs its loop as on a real node, on a thread of the scheduler's, in
     * simulated time, until the incarnation crashes or closes.
     */
    private void compactLogs(Node started, int mine) {
        SimThreads.Incarnation incarnation = new SimThreads.Incarnation(id, mine);
        threads.spawn("node-" + id + "-log-compaction-" + mine, () -> threads.inside(incarnation, () -> {
            started.logCompaction().run();
            return null;
        }));
    }

    /** The host queued work: run a round of its loop soon (once, however many times it asks). */
    private void wake(GroupLoop loop, int from) {
        if (runScheduled || from != incarnation) {
            return;
        }
        runScheduled = true;
        scheduler.after(1_000, () -> run(loop, from));
    }

    private void run(GroupLoop loop, int from) {
        if (from != incarnation) {
            return;
        }
        runScheduled = false;
        if (!up) {
            return;
        }
        loop.runOnce();
        if (loop.hasQueued()) {
            wake(loop, from);
        }
        long next = loop.nextTimerAt();
        if (next != Long.MAX_VALUE) {
            long at = simulatedTimeOf(next);
            if (at < timerScheduledAt || timerScheduledAt <= scheduler.now()) {
                timerScheduledAt = at;
                scheduler.at(at, () -> {
                    if (from == incarnation && timerScheduledAt == at) {
                        timerScheduledAt = Long.MAX_VALUE;
                        run(loop, from);
                    }
                });
            }
        }
    }

    /** kill -9: the process and what it had not synced are gone; H2 keeps what it wrote. */
    void crash() {
        if (!up) {
            return;
        }
        up = false;
        // Its threads die with it: client requests it was running end without an answer.
        threads.crashed(incarnationKey());
        incarnation++;
        if (node != null) {
            appliedAtCrash = replica().applied();
            node.crash();
        } else if (host != null) {
            host.close();
        }
        node = null;
        sessions = null;
        host = null;
        logs.replaceAll((group, log) -> log.crash());
    }

    void restart() {
        if (!up) {
            start();
        }
    }

    /** A clean stop at the end of a run. */
    void close() {
        if (up && node != null) {
            up = false;
            sessions.close();
            node.close();
        }
    }

    /** Whether the node runs and has started (its replicas open, its groups created). */
    boolean up() {
        return up && node != null;
    }

    /** Whether the node's process runs (perhaps still starting): messages reach its host. */
    boolean running() {
        return up && host != null;
    }

    int incarnation() {
        return incarnation;
    }

    /** This incarnation, as the threads running its code know it. */
    SimThreads.Incarnation incarnationKey() {
        return new SimThreads.Incarnation(id, incarnation);
    }

    RaftHost host() {
        return host;
    }

    Node node() {
        return node;
    }

    RangeReplica replica() {
        return node.replica(RANGE);
    }

    /** A new client connection's session on this node. */
    ClientSession openSession() {
        return sessions.open();
    }

    /** The node's place on the simulated network. */
    private final class Network implements RaftNetwork {
        private final int incarnation;

        Network(int incarnation) {
            this.incarnation = incarnation;
        }

        @Override
        public RaftNode.Attachment attach(RaftHost attached) {
            if (incarnation == SimNode.this.incarnation) {
                host = attached;
            }
            Outbox outbox = network.outboxOf(id);
            return new RaftNode.Attachment() {
                @Override
                public Outbox outbox() {
                    return outbox;
                }

                @Override
                public void close() {
                    // Messages to a node that is down are dropped by the network.
                }
            };
        }

        @Override
        public InetSocketAddress localAddress() {
            return config.raft().listen();
        }

        @Override
        public long maxFrameBytes() {
            return 64L << 20;
        }

        @Override
        public void cut() {
            network.isolate(id);
        }

        @Override
        public void restore() {
            network.heal();
        }

        @Override
        public void lookUpUnknownNodesIn(LongFunction<Optional<InetSocketAddress>> directory) {
            // Simulated nodes are addressed by id: every node is known.
        }
    }

    /** The node's logs on the simulated disk, which outlive its crashes. */
    private final class Logs implements RaftNode.LogStore {
        @Override
        public GroupLog open(long group, Membership bootstrap) {
            return logs.computeIfAbsent(group, g -> new SimGroupLog(scheduler,
                    new MemoryStorage(SnapshotMeta.bootstrap(bootstrap)), new TreeMap<>()));
        }

        @Override
        public boolean holds(long group) {
            return logs.containsKey(group);
        }

        @Override
        public void create(long group, SnapshotMeta base, ReadableByteChannel image) throws IOException {
            byte[] bytes;
            try (InputStream in = Channels.newInputStream(image)) {
                bytes = in.readAllBytes();
            }
            if (logs.containsKey(group)) {
                throw new FileAlreadyExistsException("the log of group " + group);
            }
            // Made durable at once: a split's apply waits for it, and the simulated disk keeps it.
            TreeMap<Long, byte[]> images = new TreeMap<>();
            images.put(base.index(), bytes);
            logs.put(group, new SimGroupLog(scheduler, MemoryStorage.startingAt(base), images));
        }

        @Override
        public void close() {
            // The disk outlives the process.
        }
    }
}
