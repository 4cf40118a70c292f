package io.flotilla.raft.embedded;

import io.flotilla.raft.core.Config;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Proposal;
import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.Refusal;
import io.flotilla.raft.core.Role;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.host.Outbox;
import io.flotilla.raft.host.RaftHost;
import io.flotilla.raft.host.StateMachine;
import io.flotilla.raft.log.FileSystemDirectory;
import io.flotilla.raft.node.DiskLogs;
import io.flotilla.raft.node.MemoryLogs;
import io.flotilla.raft.node.RaftNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A cluster of nodes in one JVM, for tests — ours and our users' — started with one call, with
 * hooks to break it: cut links (one way or both), partition, pause, crash and restart nodes, add
 * and promote learners, transfer leadership.
 *
 * <p>Nodes talk over Netty on loopback and keep their logs in segment files under a temporary
 * directory (or, for speed, either in memory). A crash loses what the node had not fsynced.
 * {@link #compact} drops a replica's log up to an image of its state machine; followers behind it
 * catch up from a streamed snapshot.
 */
public final class EmbeddedCluster implements AutoCloseable {

    /** How nodes reach each other. */
    public enum Network {
        /** Netty on 127.0.0.1, a free port per node: what a real cluster does. */
        LOOPBACK,
        /** Straight into the receiving host's queue: faster, for tests that need many runs. */
        IN_MEMORY
    }

    /** Where replicas keep their logs. */
    public enum Logs {
        /** Segment files in a temporary directory, fsynced by a group-commit writer per node. */
        ON_DISK,
        /** In memory; a crash loses nothing. Faster, for tests that need many runs. */
        IN_MEMORY
    }

    /**
     * How the cluster runs; timeouts are short so that tests recover from faults quickly.
     *
     * @param quiesce whether idle groups stop heartbeating and lean on node liveness instead (the
     *        liveness timeout is the election timeout); on by default, as in a real cluster
     */
    public record Options(int nodes, Network network, Logs logs, int workersPerNode, Duration electionTimeout,
                          Duration heartbeatInterval, Duration maxClockDrift, long seed, boolean quiesce) {

        public static Options defaults(int nodes) {
            return new Options(nodes, Network.LOOPBACK, Logs.ON_DISK, 2, Duration.ofMillis(300), Duration.ofMillis(30),
                    Duration.ofMillis(60), 1, true);
        }

        public Options withSeed(long seed) {
            return new Options(nodes, network, logs, workersPerNode, electionTimeout, heartbeatInterval, maxClockDrift,
                    seed, quiesce);
        }

        public Options withNetwork(Network network) {
            return new Options(nodes, network, logs, workersPerNode, electionTimeout, heartbeatInterval, maxClockDrift,
                    seed, quiesce);
        }

        public Options withTimeouts(Duration electionTimeout, Duration heartbeatInterval, Duration maxClockDrift) {
            return new Options(nodes, network, logs, workersPerNode, electionTimeout, heartbeatInterval, maxClockDrift,
                    seed, quiesce);
        }

        public Options withLogs(Logs logs) {
            return new Options(nodes, network, logs, workersPerNode, electionTimeout, heartbeatInterval, maxClockDrift,
                    seed, quiesce);
        }

        public Options withQuiescence(boolean quiesce) {
            return new Options(nodes, network, logs, workersPerNode, electionTimeout, heartbeatInterval, maxClockDrift,
                    seed, quiesce);
        }
    }

    /** One group's replica on one node: its log outlives crashes, its state machine does not. */
    private static final class Replica {
        final Membership bootstrap;
        final StateMachineFactory machines;
        StateMachine machine;

        Replica(Membership bootstrap, StateMachineFactory machines) {
            this.bootstrap = bootstrap;
            this.machines = machines;
        }
    }

    private final Options options;
    private final Links links = new Links();
    private final NodeNetwork network;
    private final ExecutorService fsync = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "embedded-fsync");
        t.setDaemon(true);
        return t;
    });
    /** The running nodes, each assembled as a production node is. */
    private final TreeMap<Long, RaftNode> running = new TreeMap<>();
    /** On disk only: each node's log directories, which a crash cuts back to what was forced. */
    private final Map<Long, Map<Path, CrashableDirectory>> directories = new TreeMap<>();
    /** In memory only: each node's logs, kept across its restarts. */
    private final Map<Long, MemoryLogs> memoryLogs = new TreeMap<>();
    /** Starts groups that a state machine made (a range split) off its group's thread. */
    private final ExecutorService groupStarter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "embedded-group-starter");
        t.setDaemon(true);
        return t;
    });
    private final Path dataDirectory;
    /** Where state machines keep durable state. */
    private final Path stateRoot;
    private final TreeSet<Long> members = new TreeSet<>();
    private final Map<Long, Map<Long, Replica>> replicas = new TreeMap<>();
    private boolean closed;

    private EmbeddedCluster(Options options) throws IOException {
        this.options = options;
        this.dataDirectory = options.logs() == Logs.ON_DISK ? Files.createTempDirectory("flotilla-embedded-") : null;
        this.stateRoot = dataDirectory != null ? Files.createDirectories(dataDirectory.resolve("state"))
                : Files.createTempDirectory("flotilla-embedded-state-");
        this.network = options.network() == Network.LOOPBACK ? new LoopbackNetwork(links, options.seed())
                : new InMemoryNetwork(links);
    }

    public static EmbeddedCluster start(int nodes) throws IOException {
        return start(Options.defaults(nodes));
    }

    /** Starts the nodes; fails if a node cannot listen. */
    public static EmbeddedCluster start(Options options) throws IOException {
        EmbeddedCluster cluster = new EmbeddedCluster(options);
        try {
            for (int i = 0; i < options.nodes(); i++) {
                cluster.addNode();
            }
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Starts one more node, hosting nothing yet; returns its id. */
    public synchronized long addNode() throws IOException {
        long id = members.isEmpty() ? 1 : members.last() + 1;
        members.add(id);
        replicas.put(id, new TreeMap<>());
        boot(id);
        return id;
    }

    public synchronized SortedSet<Long> nodes() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(members));
    }

    /**
     * The Raft side of a running node: for a state machine that makes groups of its own (a range
     * split creates the new range's log through it).
     */
    public synchronized RaftNode raftNode(long node) {
        RaftNode n = running.get(node);
        if (n == null) {
            throw new IllegalStateException("node " + node + " is down");
        }
        return n;
    }

    /**
     * Starts, on a thread of the cluster's, the node's replica of a group whose log the node holds
     * already (made through {@link RaftNode#createGroupLog}); from then on it restarts with the
     * node like any other. Returns at once, so a group's own thread may call it. A node that is
     * down starts it when it restarts.
     */
    public void startGroupLater(long node, long group, StateMachineFactory machines) {
        try {
            groupStarter.execute(() -> startGroup(node, group, machines));
        } catch (RejectedExecutionException closing) {
            // The cluster closes: nothing is to start any more.
        }
    }

    private synchronized void startGroup(long node, long group, StateMachineFactory machines) {
        Map<Long, Replica> local = replicas.get(node);
        if (local == null || local.containsKey(group) || closed) {
            return;
        }
        Replica r = new Replica(Membership.EMPTY, machines);
        local.put(group, r);
        if (!running.containsKey(node)) {
            return;
        }
        try {
            startMachine(node, group, r);
        } catch (IOException | RuntimeException e) {
            System.getLogger(EmbeddedCluster.class.getName()).log(System.Logger.Level.WARNING,
                    "group " + group + " did not start on node " + node, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The host of a running node. */
    public synchronized RaftHost host(long node) {
        RaftNode n = running.get(node);
        if (n == null) {
            throw new IllegalStateException("node " + node + " is down");
        }
        return n.host();
    }

    public synchronized boolean isUp(long node) {
        return running.containsKey(node);
    }

    /** Starts a group on the given voters; each replica gets a state machine from the factory. */
    public synchronized void createGroup(long group, Set<Long> voters, Supplier<StateMachine> machines)
            throws InterruptedException, IOException {
        createGroup(group, voters, (node, g, directory) -> machines.get());
    }

    /** Creates a group whose state machines are opened per node (and reopened after restarts) by the factory. */
    public synchronized void createGroup(long group, Set<Long> voters, StateMachineFactory machines)
            throws InterruptedException, IOException {
        Membership membership = Membership.of(voters, Set.of());
        for (long node : voters) {
            startReplica(node, group, membership, machines);
        }
    }

    /** Whether the node runs a replica of the group now (its state machine is open). */
    public synchronized boolean runs(long node, long group) {
        Replica r = replicas.getOrDefault(node, Map.of()).get(group);
        return r != null && r.machine != null;
    }

    /** The state machine of a group's replica on a running node (a new one after every restart). */
    @SuppressWarnings("unchecked")
    public synchronized <M extends StateMachine> M stateMachine(long node, long group) {
        return (M) replicas.get(node).get(group).machine;
    }

    /**
     * Waits until some running node leads the group and has committed an entry of its term (so it
     * serves reads and takes membership changes), and returns it. Not "holds a lease": a leader
     * whose transfer failed serves reads by ReadIndex for the rest of its term.
     */
    public long awaitLeader(long group, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (long node : nodes()) {
                RaftHost host;
                synchronized (this) {
                    RaftNode n = running.get(node);
                    host = n == null ? null : n.host();
                }
                if (host != null && ask(host, group, r -> r.role() == Role.LEADER && r.termAt(r.committed()) == r.term(), Boolean.FALSE)) {
                    return node;
                }
            }
            Thread.onSpinWait();
        }
        throw new TimeoutException("group " + group + " elected no leader within " + timeout);
    }

    // ------------------------------------------------------------------ network faults

    /** Messages from one node to another are lost until {@link #heal()}. */
    public void cut(long from, long to) {
        links.cut(from, to);
    }

    /** Cuts every link between the given side and the rest, both ways. */
    public void partition(Set<Long> side) {
        for (long a : nodes()) {
            for (long b : nodes()) {
                if (side.contains(a) != side.contains(b)) {
                    links.cut(a, b);
                }
            }
        }
    }

    public void isolate(long node) {
        partition(Set.of(node));
    }

    public void heal() {
        links.healAll();
    }

    // ------------------------------------------------------------------ node faults

    /** Stops a node's threads, as a long GC pause or SIGSTOP would, until {@link #resume}. */
    public synchronized void pause(long node) {
        host(node).pause();
    }

    public synchronized void resume(long node) {
        host(node).resume();
    }

    /**
     * Kills a node: its host stops at once, everything in flight fails, its state machines are lost.
     * What its logs made durable survives for {@link #restart}.
     */
    public synchronized void crash(long node) throws IOException {
        RaftNode stopped = running.remove(node);
        if (stopped == null) {
            return;
        }
        Map<Path, CrashableDirectory> files = directories.getOrDefault(node, Map.of());
        // Writes fail from this instant; what was not forced is lost below.
        files.values().forEach(CrashableDirectory::crash);
        stopped.host().resume();
        stopped.close();
        for (Replica r : replicas.get(node).values()) {
            if (r.machine instanceof DurableStateMachine durable) {
                durable.crash();
            }
            r.machine = null;
        }
        for (CrashableDirectory d : files.values()) {
            d.recover();
        }
    }

    /** Starts a crashed node from its logs; its state machines replay what was committed. */
    public synchronized void restart(long node) throws InterruptedException, IOException {
        if (running.containsKey(node)) {
            throw new IllegalStateException("node " + node + " is running");
        }
        boot(node);
        for (var e : replicas.get(node).entrySet()) {
            startMachine(node, e.getKey(), e.getValue());
        }
    }

    // ------------------------------------------------------------------ membership and leadership

    /** Starts a replica of the group on the node and adds it as a learner through the leader. */
    public void addLearner(long group, long node, Supplier<StateMachine> machines, Duration timeout)
            throws InterruptedException, TimeoutException, IOException {
        addLearner(group, node, (n, g, directory) -> machines.get(), timeout);
    }

    /** Starts a replica of the group on the node, its state machine from the factory, and adds it as a learner. */
    public void addLearner(long group, long node, StateMachineFactory machines, Duration timeout)
            throws InterruptedException, TimeoutException, IOException {
        synchronized (this) {
            startReplica(node, group, Membership.EMPTY, machines);
        }
        changeMembership(group, m -> {
            TreeSet<Long> learners = new TreeSet<>(m.learners());
            learners.add(node);
            return new Membership(m.voters(), new TreeSet<>(), learners);
        }, timeout);
    }

    /** Makes a learner a voter once it has caught up (the leader refuses before). */
    public void promote(long group, long node, Duration timeout) throws InterruptedException, TimeoutException {
        changeMembership(group, m -> {
            TreeSet<Long> voters = new TreeSet<>(m.voters());
            TreeSet<Long> learners = new TreeSet<>(m.learners());
            learners.remove(node);
            voters.add(node);
            return new Membership(voters, new TreeSet<>(), learners);
        }, timeout);
    }

    /** Asks the group's leader to hand over to {@code target}; true if the leader took the request. */
    public boolean transferLeadership(long group, long target, Duration timeout)
            throws InterruptedException, TimeoutException {
        long leader = awaitLeader(group, timeout);
        return ask(host(leader), group, r -> r.transferLeadership(target).isEmpty(), Boolean.FALSE);
    }

    private void changeMembership(long group, Function<Membership, Membership> change, Duration timeout)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long leader = awaitLeader(group, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            Proposal p = ask(host(leader), group, r -> r.changeMembership(change.apply(r.membership())), null);
            if (p instanceof Proposal.Appended) {
                return;
            }
            if (p instanceof Proposal.Refused refused && refused.reason() == Refusal.INVALID_MEMBERSHIP) {
                throw new IllegalArgumentException("group " + group + " refused the membership change as invalid");
            }
            Thread.onSpinWait();
        }
        throw new TimeoutException("group " + group + " did not take the membership change within " + timeout);
    }

    /**
     * Has a replica save an image of its state machine and drop its log up to it. Followers that
     * have not received those entries yet will be sent a snapshot.
     */
    public SnapshotMeta compact(long group, long node) throws InterruptedException, IOException {
        try {
            // Generous: compaction writes a whole image of the state machine, which may be gigabytes.
            return host(node).compact(group).get(10, TimeUnit.MINUTES);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("compacting group " + group + " on node " + node + " failed", e);
        }
    }

    // ------------------------------------------------------------------ plumbing

    private void boot(long node) throws IOException {
        RaftNode.LogStore logs = dataDirectory == null
                ? memoryLogs.computeIfAbsent(node, n -> new MemoryLogs(fsync))
                : DiskLogs.open(group -> dataDirectory.resolve("node-" + node).resolve("group-" + group),
                        path -> crashable(node, path), "embedded-node-" + node + "-log");
        RaftNode.Network attach = host -> {
            Outbox outbox = network.attach(node, host);
            return new RaftNode.Attachment() {
                @Override
                public Outbox outbox() {
                    return outbox;
                }

                @Override
                public void close() {
                    network.detach(node);
                }
            };
        };
        running.put(node, RaftNode.start(new RaftNode.Parts(node, System::nanoTime, options.seed() * 1_000_003 + node,
                options.quiesce() ? options.electionTimeout().toNanos() : 0,
                new RaftNode.Loops.Threads(options.workersPerNode()), attach, logs)));
    }

    /** A node's log directory, the same one across its crashes: it knows what was forced. */
    private CrashableDirectory crashable(long node, Path path) throws IOException {
        Map<Path, CrashableDirectory> mine = directories.computeIfAbsent(node, n -> new HashMap<>());
        CrashableDirectory d = mine.get(path);
        if (d == null) {
            d = new CrashableDirectory(FileSystemDirectory.open(path));
            mine.put(path, d);
        }
        return d;
    }

    private void startReplica(long node, long group, Membership membership, StateMachineFactory machines)
            throws InterruptedException, IOException {
        if (!members.contains(node)) {
            throw new IllegalArgumentException("no node " + node);
        }
        Replica r = new Replica(membership, machines);
        replicas.get(node).put(group, r);
        startMachine(node, group, r);
    }

    /** Opens the replica's state machine and starts the group on the node from what its log holds. */
    private void startMachine(long node, long group, Replica r) throws InterruptedException, IOException {
        Path directory = stateDirectory(node, group);
        Files.createDirectories(directory);
        r.machine = r.machines.open(node, group, directory);
        long applied = r.machine instanceof DurableStateMachine durable ? durable.applied() : 0;
        RaftNode n = running.get(node);
        if (n == null) {
            throw new IllegalStateException("node " + node + " is down");
        }
        await(n.openGroup(group, config(node).withApplied(applied), r.bootstrap, r.machine));
    }

    /**
     * Where the state machine of a group's replica on a node keeps its state: the directory its
     * factory is given. Takes no lock, so a group's thread may ask.
     */
    public Path stateDirectory(long node, long group) {
        return stateRoot.resolve("node-" + node).resolve("group-" + group);
    }

    private Config config(long node) {
        return Config.of(node).withTimeouts(options.electionTimeout().toNanos(), options.heartbeatInterval().toNanos(),
                options.maxClockDrift().toNanos());
    }

    /** Runs a function on a group's core; a node that is down, closing or overloaded answers the fallback. */
    private static <T> T ask(RaftHost host, long group, Function<Raft, T> function, T fallback)
            throws InterruptedException {
        try {
            return host.inspect(group, function).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return fallback;
        }
    }

    private static void await(java.util.concurrent.CompletableFuture<Void> started) throws InterruptedException {
        try {
            started.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("a replica failed to start", e);
        }
    }

    /** Stops every node and deletes the logs. */
    @Override
    public synchronized void close() {
        closed = true;
        groupStarter.shutdownNow();
        for (RaftNode n : running.values()) {
            n.host().resume();
            n.close();
        }
        running.clear();
        network.close();
        List<IOException> failures = new ArrayList<>();
        for (Map<Long, Replica> local : replicas.values()) {
            for (Replica r : local.values()) {
                if (r.machine instanceof DurableStateMachine durable) {
                    try {
                        durable.close();
                    } catch (RuntimeException e) {
                        failures.add(new IOException("closing a state machine failed", e));
                    }
                }
            }
        }
        fsync.shutdownNow();
        if (dataDirectory != null) {
            deleteRecursively(dataDirectory, failures);
        } else {
            deleteRecursively(stateRoot, failures);
        }
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("closing the embedded cluster failed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    private static void deleteRecursively(Path root, List<IOException> failures) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    failures.add(e);
                }
            });
        } catch (IOException e) {
            failures.add(e);
        }
    }
}
