package io.flotilla.testing;

import com.google.protobuf.ByteString;
import io.flotilla.jdbc.FlotillaDataSource;
import io.flotilla.protocol.Admin;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.protocol.wire.NodeConnection;
import io.flotilla.raft.core.Raft;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.NodeConfig;
import io.flotilla.sql.node.NodeEnvironment;
import io.flotilla.sql.server.ServingNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Flotilla cluster inside a test's JVM: {@code nodes} nodes on 127.0.0.1, each with its own
 * Raft transport, logs, H2 databases and client port, started from the same command-line flags a
 * node process takes and assembled the way a node process assembles itself ({@link
 * NodeConfig#parse}, {@link NodeEnvironment#of}, {@link ServingNode#start(NodeConfig, NodeEnvironment)}).
 * Applications point their code at {@link #jdbcUrl()}, {@link #dataSource()} or {@link
 * #connection()}, and use the fault hooks to check how that code copes with a leader that dies,
 * stops or is cut off in the middle of its work.
 *
 * <pre>{@code
 * try (FlotillaCluster cluster = FlotillaCluster.start(3)) {
 *     DataSource db = cluster.dataSource();
 *     ...
 *     cluster.kill(cluster.leader());           // kill -9 of the data range's leader
 *     long next = cluster.awaitLeader(Node.DATA_RANGE, Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * <p>Nodes are numbered from 1: the voters {@code 1..nodes}, then each learner. Each node's data
 * lives in {@code node-<id>} under the cluster's directory: a temporary one, deleted on {@link
 * #close()}, unless the builder was given one, which is kept. Every hook is safe to call from any
 * thread; hooks that change nodes run one at a time.
 *
 * <p>How the hooks differ from real processes, in short (each hook says more): a node's client
 * port is a relay in this JVM (so that {@link #pause} can hold its traffic); {@link #pause} stops
 * the node's Raft workers and its client traffic, but its other threads (log compaction, the meta
 * range's upkeep, statements already running) go on; cut links ({@link #isolate}, {@link
 * #partition}) drop Raft traffic and make forwarding between the nodes fail at once, where a real
 * network would leave them silent until a timeout; the test's own clients reach every node.
 */
public final class FlotillaCluster implements AutoCloseable {

    /** The node settings a cluster starts with unless told otherwise: quick elections, for tests. */
    public static final Duration DEFAULT_ELECTION_TIMEOUT = Duration.ofMillis(300);
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofMillis(30);
    public static final Duration DEFAULT_MAX_CLOCK_DRIFT = Duration.ofMillis(60);
    /** How long hooks and {@link #leader()} wait for the cluster unless told otherwise. */
    public static final Duration DEFAULT_AWAIT_TIMEOUT = Duration.ofSeconds(30);

    /** Flags the cluster sets itself: a node setting may not name them. */
    private static final Set<String> OWN_FLAGS = Set.of("node-id", "raft", "raft-listen", "raft-advertise", "sql",
            "sql-listen", "sql-advertise", "data-dir", "peers", "join", "config", "election-timeout-ms",
            "heartbeat-ms", "max-clock-drift-ms");
    private static final int START_ATTEMPTS = 5;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final Path root;
    private final boolean deleteOnClose;
    private final Duration awaitTimeout;
    private final Duration electionTimeout;
    private final Map<String, String> settings;
    private final Cuts cuts = new Cuts();
    /** Every node ever started, by id; guarded by {@code this} for changes. */
    private final SortedMap<Long, ClusterNode> nodes = Collections.synchronizedSortedMap(new TreeMap<>());
    /** The initial voters as {@code --peers} names them. */
    private String peers = "";
    private boolean closed;

    private FlotillaCluster(Builder b, Path root, boolean deleteOnClose) {
        this.root = root;
        this.deleteOnClose = deleteOnClose;
        this.awaitTimeout = b.awaitTimeout;
        this.electionTimeout = b.electionTimeout;
        Map<String, String> all = new LinkedHashMap<>();
        all.put("election-timeout-ms", String.valueOf(b.electionTimeout.toMillis()));
        all.put("heartbeat-ms", String.valueOf(b.heartbeat.toMillis()));
        all.put("max-clock-drift-ms", String.valueOf(b.maxClockDrift.toMillis()));
        all.putAll(b.settings);
        this.settings = Collections.unmodifiableMap(all);
    }

    /**
     * Starts {@code nodes} voters with the default settings and returns once the data range has a
     * leader that serves SQL.
     *
     * @throws IOException if a node cannot start (its ports, its files, its databases)
     */
    public static FlotillaCluster start(int nodes) throws IOException, InterruptedException, TimeoutException {
        return builder().nodes(nodes).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How to start a cluster: every setting has a default. */
    public static final class Builder {
        private int nodes = 3;
        private int learners;
        private Path dataDirectory;
        private Duration electionTimeout = DEFAULT_ELECTION_TIMEOUT;
        private Duration heartbeat = DEFAULT_HEARTBEAT;
        private Duration maxClockDrift = DEFAULT_MAX_CLOCK_DRIFT;
        private Duration awaitTimeout = DEFAULT_AWAIT_TIMEOUT;
        private final Map<String, String> settings = new LinkedHashMap<>();

        private Builder() {
        }

        /** Voters of every range (default 3). */
        public Builder nodes(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("a cluster needs at least one node, not " + count);
            }
            this.nodes = count;
            return this;
        }

        /** Learners of the data range (and the meta range) added once the voters serve (default 0); see {@link #addLearner()}. */
        public Builder learners(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("learners must not be negative: " + count);
            }
            this.learners = count;
            return this;
        }

        /**
         * Keep the nodes' data under {@code directory} (created if missing) and leave it there on
         * close; by default a temporary directory is used and deleted on close.
         */
        public Builder dataDirectory(Path directory) {
            Objects.requireNonNull(directory, "directory");
            this.dataDirectory = directory;
            return this;
        }

        /** The Raft election timeout, also the node-liveness and link timeout (default 300 ms). */
        public Builder electionTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            this.electionTimeout = timeout;
            return this;
        }

        /** The heartbeat interval (default 30 ms). */
        public Builder heartbeat(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            this.heartbeat = interval;
            return this;
        }

        /** The clock drift the leader lease allows for (default 60 ms). */
        public Builder maxClockDrift(Duration drift) {
            Objects.requireNonNull(drift, "drift");
            this.maxClockDrift = drift;
            return this;
        }

        /**
         * Any other node flag, by its name without the dashes, as {@code flotilla-node.jar --help}
         * lists them: {@code nodeSetting("idle-in-transaction-timeout-ms", "5000")}. The flags that
         * place a node (ids, addresses, directories, peers, joining) are the cluster's own.
         */
        public Builder nodeSetting(String name, String value) {
            if (OWN_FLAGS.contains(name)) {
                throw new IllegalArgumentException("--" + name + " is set by the cluster itself"
                        + (name.endsWith("-ms") ? " (use the builder's method for it)" : ""));
            }
            settings.put(name, value);
            return this;
        }

        /** How long hooks wait for the cluster to do what they ask, and {@link FlotillaCluster#leader()} for a leader (default 30 s). */
        public Builder awaitTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            this.awaitTimeout = timeout;
            return this;
        }

        /**
         * Starts the voters, waits until the data range has a leader that serves, then adds the
         * learners.
         *
         * @throws IOException      if a node cannot start (after retrying ports another process took)
         * @throws TimeoutException if no leader is elected within the await timeout
         */
        public FlotillaCluster start() throws IOException, InterruptedException, TimeoutException {
            Path root = dataDirectory != null ? Files.createDirectories(dataDirectory)
                    : Files.createTempDirectory("flotilla-cluster-");
            FlotillaCluster cluster = new FlotillaCluster(this, root, dataDirectory == null);
            try {
                cluster.startVoters(nodes);
                cluster.awaitLeader(Node.DATA_RANGE, awaitTimeout);
                for (int i = 0; i < learners; i++) {
                    cluster.addLearner();
                }
                return cluster;
            } catch (IOException | InterruptedException | TimeoutException | RuntimeException e) {
                cluster.close();
                throw e;
            }
        }
    }

    // ------------------------------------------------------------------ starting nodes

    private synchronized void startVoters(int count) throws IOException, InterruptedException {
        for (long id = 1; id <= count; id++) {
            nodes.put(id, new ClusterNode(id, new ClientPort(id), List.of()));
        }
        for (int attempt = 1; ; attempt++) {
            List<Path> created = new ArrayList<>();
            try {
                Map<Long, Integer> raftPorts = new TreeMap<>();
                StringBuilder spec = new StringBuilder();
                for (ClusterNode n : nodes.values()) {
                    int raftPort = freePort();
                    raftPorts.put(n.id, raftPort);
                    spec.append(spec.length() == 0 ? "" : ",").append(n.id).append("=127.0.0.1:").append(raftPort)
                            .append('/').append(hostPort(n.port.address()));
                }
                peers = spec.toString();
                for (ClusterNode n : nodes.values()) {
                    Path dir = nodeDirectory(n.id);
                    if (!Files.exists(dir)) {
                        created.add(dir);
                    }
                    n.flags = flags(n, raftPorts.get(n.id), List.of("--peers", peers));
                }
                startSideBySide(List.copyOf(nodes.values()));
                return;
            } catch (IOException | RuntimeException e) {
                // A port found free may be taken (as some socket's ephemeral port) before a node binds it.
                for (ClusterNode n : nodes.values()) {
                    n.down().ifPresent(ServingNode::close);
                }
                deleteAll(created);
                if (!bindFailure(e) || attempt == START_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /**
     * Starts the nodes each on a thread of its own, as separate processes would start: a node's
     * start is mostly opening its databases and logs, which needs nothing from the others, so the
     * cluster is up in the time of its slowest node rather than the sum. Waits for all of them;
     * the first failure is thrown, the others added to it.
     */
    private void startSideBySide(List<ClusterNode> batch) throws IOException, InterruptedException {
        Map<ClusterNode, Throwable> failures = new ConcurrentHashMap<>();
        List<Thread> starters = new ArrayList<>();
        for (ClusterNode n : batch) {
            Thread t = new Thread(() -> {
                try {
                    start(n);
                } catch (IOException | InterruptedException | RuntimeException e) {
                    failures.put(n, e);
                }
            }, "flotilla-start-node-" + n.id);
            t.setDaemon(true);
            starters.add(t);
            t.start();
        }
        boolean interrupted = false;
        for (Thread t : starters) {
            // Every starter is waited for, even when interrupted: none may leave a node running behind a failed start.
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            throw new InterruptedException("interrupted while the nodes started");
        }
        Throwable first = null;
        for (ClusterNode n : batch) {
            Throwable failure = failures.get(n);
            if (failure == null) {
                continue;
            }
            if (first == null) {
                first = failure;
            } else {
                first.addSuppressed(failure);
            }
        }
        if (first instanceof IOException e) {
            throw e;
        }
        if (first instanceof InterruptedException e) {
            throw e;
        }
        if (first instanceof RuntimeException e) {
            throw e;
        }
    }

    private List<String> flags(ClusterNode n, int raftPort, List<String> membership) {
        List<String> flags = new ArrayList<>(List.of("--node-id", String.valueOf(n.id),
                "--raft", "127.0.0.1:" + raftPort,
                // The node binds a port of the kernel's choosing (no race for it) and is known by its
                // client port's address, where clients and forwarding nodes reach it.
                "--sql-listen", "127.0.0.1:0", "--sql-advertise", hostPort(n.port.address()),
                "--data-dir", nodeDirectory(n.id).toString()));
        flags.addAll(membership);
        settings.forEach((name, value) -> flags.addAll(List.of("--" + name, value)));
        return List.copyOf(flags);
    }

    /** Starts a node from its flags: the production assembly, its network and forwarding behind the cluster's cuts. */
    private void start(ClusterNode n) throws IOException, InterruptedException {
        NodeConfig config = NodeConfig.parse(n.flags.toArray(new String[0]));
        NodeEnvironment real = NodeEnvironment.of(config, System::nanoTime);
        // The production environment with two things put behind the cluster's cuts: the Raft network
        // and the links to other nodes' client ports. Everything else is as a node process has it.
        NodeEnvironment environment = new NodeEnvironment(new PartitionedNetwork(n.id, real.network(), cuts),
                real.logs(), real.loops(), real.clock(), real.stalenessClock(), real.wallClockMillis(), real.random(),
                real.rangeOptions(), real.waits(), new PartitionedPeerLinks(n.id, real.peers(), cuts),
                real.logCompaction(), real.spawn());
        if (cuts.isolated(n.id)) {
            // A node isolated before it went down comes back isolated.
            environment.network().cut();
        }
        try {
            n.started(ServingNode.start(config, environment));
        } catch (SQLException e) {
            throw new IOException("node " + n.id + " could not open its databases", e);
        }
    }

    private Path nodeDirectory(long id) {
        return root.resolve("node-" + id);
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static boolean bindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (t instanceof BindException || message.contains("cannot listen on")
                    || message.contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ where to connect

    /** {@code jdbc:flotilla://} with every node's client port, learners included: the driver fails over between them. */
    public String jdbcUrl() {
        return nodes.values().stream().map(n -> hostPort(n.port.address()))
                .collect(Collectors.joining(",", "jdbc:flotilla://", ""));
    }

    /** {@code jdbc:flotilla://} with one node's client port alone (the driver still learns the others from it). */
    public String jdbcUrl(long node) {
        return "jdbc:flotilla://" + hostPort(member(node).port.address());
    }

    /** The driver's data source on {@link #jdbcUrl()}: a new one each call (it holds no connection itself). */
    public FlotillaDataSource dataSource() {
        return new FlotillaDataSource(jdbcUrl());
    }

    /** A new connection on {@link #jdbcUrl()}; the caller closes it. */
    public Connection connection() throws SQLException {
        return dataSource().getConnection();
    }

    /** Where the nodes keep their data, {@code node-<id>} each: deleted on close unless the builder named it. */
    public Path dataDirectory() {
        return root;
    }

    // ------------------------------------------------------------------ nodes and leaders

    /** Every node's id, voters and learners, up or not. */
    public SortedSet<Long> nodes() {
        synchronized (nodes) {
            return Collections.unmodifiableSortedSet(new TreeSet<>(nodes.keySet()));
        }
    }

    /** The nodes that are up (paused ones included). */
    public SortedSet<Long> runningNodes() {
        synchronized (nodes) {
            return nodes.values().stream().filter(n -> n.state() != ClusterNode.State.DOWN).map(n -> n.id)
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /**
     * The running node itself, for what the hooks do not cover (its replicas' applied indexes, its
     * Raft host). It is the cluster's: do not close it, crash it or cut its links directly.
     *
     * @throws IllegalStateException if the node is down
     */
    public Node node(long id) {
        return member(id).node().orElseThrow(() -> new IllegalStateException("node " + id + " is down"));
    }

    /** The data range's leader; see {@link #leader(long)}. */
    public long leader() throws InterruptedException, TimeoutException {
        return leader(Node.DATA_RANGE);
    }

    /**
     * The node that leads {@code range} ({@link Node#META_RANGE} or {@link Node#DATA_RANGE}) now,
     * waiting for one up to the await timeout: {@link #awaitLeader(long, Duration)}.
     */
    public long leader(long range) throws InterruptedException, TimeoutException {
        return awaitLeader(range, awaitTimeout);
    }

    /** {@link #awaitLeader(long, Duration)} for the data range. */
    public long awaitLeader(Duration timeout) throws InterruptedException, TimeoutException {
        return awaitLeader(Node.DATA_RANGE, timeout);
    }

    /**
     * Waits for {@code range} to have a leader and returns its id. A leader here is a node whose
     * replica leads the range and serves (it has applied an entry of its own term), and whose term
     * a majority of the range's voters follow over links the cluster has not cut: a deposed leader
     * that has not noticed yet (isolated, or on the minority side of a partition) is never
     * returned, nor is a paused node.
     *
     * @throws TimeoutException if there is none within {@code timeout}
     */
    public long awaitLeader(long range, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            OptionalLong leader = currentLeader(range);
            if (leader.isPresent()) {
                return leader.getAsLong();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("range " + range + " has no leader after " + timeout.toMillis() + " ms");
            }
            TimeUnit.NANOSECONDS.sleep(POLL_NANOS);
        }
    }

    /** What a node's Raft core says of a range: its term, whom it follows, its voters. */
    private record RaftView(long term, long leader, Set<Long> voters) {
    }

    /** The leader as {@link #awaitLeader} defines it, if there is one at this moment. */
    public OptionalLong currentLeader(long range) throws InterruptedException {
        Map<Long, RaftView> views = new TreeMap<>();
        List<Long> serving = new ArrayList<>();
        for (ClusterNode n : snapshot()) {
            Optional<Node> live = n.live();
            if (live.isEmpty()) {
                continue;
            }
            Optional<RaftView> view = view(live.get(), range);
            if (view.isEmpty()) {
                continue;
            }
            views.put(n.id, view.get());
            if (live.get().replica(range).serving()) {
                serving.add(n.id);
            }
        }
        for (long candidate : serving) {
            RaftView own = views.get(candidate);
            if (own.leader() != candidate) {
                continue;
            }
            long followers = own.voters().stream().filter(v -> {
                RaftView theirs = views.get(v);
                return theirs != null && theirs.term() == own.term() && theirs.leader() == candidate
                        && (v == candidate || cuts.connected(candidate, v) && cuts.connected(v, candidate));
            }).count();
            if (followers > own.voters().size() / 2) {
                return OptionalLong.of(candidate);
            }
        }
        return OptionalLong.empty();
    }

    private Optional<RaftView> view(Node node, long range) throws InterruptedException {
        try {
            return Optional.of(node.host().inspect(range, (Raft r) -> new RaftView(r.term(), r.leader(),
                    Set.copyOf(r.membership().voters()))).get(1, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            // A replica that stopped (a failed apply) or a node in the middle of going down: no view.
            return Optional.empty();
        }
    }

    /**
     * Waits until every replica of {@code range} on every node that is up and not paused (voters
     * and learners) has applied the log up to {@code index}, as after a write whose LSN is
     * {@code range:index}; then reads on any of them see it.
     *
     * @throws TimeoutException naming the replicas behind, if they are not there within {@code timeout}
     */
    public void awaitApplied(long range, long index, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<Long, Long> behind = new TreeMap<>();
            for (ClusterNode n : snapshot()) {
                n.live().ifPresent(node -> {
                    long applied = node.replica(range).applied();
                    if (applied < index) {
                        behind.put(n.id, applied);
                    }
                });
            }
            if (behind.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("range " + range + ": not every replica applied index " + index + " within "
                        + timeout.toMillis() + " ms; behind (node=applied): " + behind);
            }
            TimeUnit.NANOSECONDS.sleep(POLL_NANOS);
        }
    }

    /** {@link #awaitApplied(long, long, Duration)} for the data range: every replica applied {@code index}. */
    public void awaitApplied(long index, Duration timeout) throws InterruptedException, TimeoutException {
        awaitApplied(Node.DATA_RANGE, index, timeout);
    }

    /**
     * {@link #awaitApplied(long, long, Duration)} for an LSN token, {@code <range>:<index>} as the
     * driver gives it ({@code connection.getClientInfo("flotilla.lsn")}).
     *
     * @throws IllegalArgumentException if {@code lsnToken} is not such a token
     */
    public void awaitApplied(String lsnToken, Duration timeout) throws InterruptedException, TimeoutException {
        String[] parts = lsnToken == null ? new String[0] : lsnToken.trim().split(":");
        try {
            if (parts.length == 2) {
                awaitApplied(Long.parseLong(parts[0]), Long.parseLong(parts[1]), timeout);
                return;
            }
        } catch (NumberFormatException e) {
            // Reported below, with the form expected.
        }
        throw new IllegalArgumentException("not an LSN token: '" + lsnToken + "' (expected <range>:<index>, such as 2:18)");
    }

    // ------------------------------------------------------------------ fault hooks

    /**
     * kill -9: the node stops at once ({@link ServingNode#crash()}). Nothing is flushed, H2 is not shut
     * down cleanly, every statement in flight on it fails and every connection to it breaks;
     * {@link #restart(long)} rebuilds its replicas from their logs. A paused node can be killed.
     *
     * @throws IllegalStateException if the node is down already
     */
    public synchronized void kill(long node) {
        ClusterNode n = up(node);
        ServingNode running = n.down().orElseThrow();
        // A paused node is killed paused, as kill -9 kills a stopped process; its held client traffic is dropped.
        n.port.open();
        running.crash();
        cuts.unsilence(node);
    }

    /**
     * A clean shutdown, as SIGTERM: the node closes its client port, its replicas and its logs.
     *
     * @throws IllegalStateException if the node is down already
     */
    public synchronized void stop(long node) {
        ClusterNode n = up(node);
        if (n.state() == ClusterNode.State.PAUSED) {
            resume(node);
        }
        n.down().orElseThrow().close();
    }

    /**
     * Starts a node that was killed or stopped, from the same flags and data directory (and so the
     * same Raft port and client port); returns once it serves its client port, having replayed its
     * logs. Cuts made before ({@link #isolate}, {@link #partition}) still apply to it.
     *
     * @throws IllegalStateException if the node is up
     * @throws IOException if it cannot start (its Raft port taken meanwhile by another process, say)
     */
    public synchronized void restart(long node) throws IOException, InterruptedException {
        ClusterNode n = member(node);
        if (n.state() != ClusterNode.State.DOWN) {
            throw new IllegalStateException("node " + node + " is " + n.state() + ", not down: kill or stop it first");
        }
        start(n);
    }

    /**
     * Stops the node as SIGSTOP stops a process, until {@link #resume(long)}: its Raft workers stop
     * ({@link io.flotilla.raft.host.RaftHost#pause()}: no ticks, no messages handled, no log
     * writes; what arrives queues, and drops once the queues are full), its Raft side sends
     * nothing (not even the pings of the host's failure detector, which has a thread of its own:
     * peers that keep hearing from a leader whose groups are quiesced would never elect another),
     * and its client port holds
     * every byte both ways, so connections to it, clients' and forwarding nodes', stay open and
     * get no answer (not even to keep-alives: the driver gives the link up after its link
     * timeout, the node's election timeout).
     *
     * <p>What differs from SIGSTOP: threads outside the Raft host keep running — a statement
     * already executing goes on until it needs the range (a commit waits for the paused host), log
     * compaction, the meta range's upkeep, and forwarding of statements the node had already
     * received; and the node's Raft transport still accepts connections and reads frames on its
     * I/O threads (into the host's queues), as a stopped process's kernel would only buffer them.
     *
     * @throws IllegalStateException if the node is not up
     */
    public synchronized void pause(long node) {
        ClusterNode n = up(node);
        if (n.state() == ClusterNode.State.PAUSED) {
            return;
        }
        // Client traffic first, so that nothing new reaches a node that is about to stop.
        n.port.hold();
        cuts.silence(node);
        n.node().orElseThrow().host().pause();
        n.paused();
    }

    /** Lets a paused node run again (as SIGCONT): its workers resume, and held client traffic goes on in order. */
    public synchronized void resume(long node) {
        ClusterNode n = up(node);
        if (n.state() != ClusterNode.State.PAUSED) {
            return;
        }
        n.node().orElseThrow().host().resume();
        cuts.unsilence(node);
        n.resumed();
        n.port.open();
    }

    /**
     * Cuts the node off from every other node, both ways, as a network partition around its host
     * would, until {@link #heal()}: its Raft traffic ({@link Node#cutRaftLinks()}: messages,
     * liveness pings, snapshots; lost, not delayed) and statement forwarding (it cannot forward its
     * clients' statements to a leader elsewhere, nor other nodes theirs to it; such forwarding
     * fails at once, as a connection refused, where a real partition would leave it unanswered
     * until the connect or link timeout). The test's own clients still reach it: a client
     * connected to it sees a node that cannot reach the leader (its writes fail over elsewhere
     * through the driver, or fail with 08F02 once the failover time is spent). It survives a
     * restart of the node.
     */
    public synchronized void isolate(long node) {
        ClusterNode n = member(node);
        cuts.isolate(node);
        n.node().ifPresent(Node::cutRaftLinks);
    }

    /**
     * Splits the nodes into sides that cannot reach each other, until {@link #heal()}: every link
     * between nodes on different sides is cut both ways, Raft traffic and statement forwarding
     * alike, as {@link #isolate(long)} cuts a node's; links within a side stay. Nodes named in no
     * side form one more side together ({@code partition(Set.of(leader))} isolates the leader's
     * Raft traffic from the rest, and the rest keep talking). Cuts add up: a partition on top of
     * another cuts what either cuts. The test's own clients reach every node; nodes added later
     * ({@link #addLearner()}) are on the side of the nodes named in no side.
     *
     * @throws IllegalArgumentException if a node is on two sides or is not a node of the cluster
     */
    @SafeVarargs
    public final synchronized void partition(Set<Long>... sides) {
        List<Set<Long>> all = new ArrayList<>();
        Set<Long> named = new HashSet<>();
        for (Set<Long> side : sides) {
            for (long id : side) {
                member(id);
                if (!named.add(id)) {
                    throw new IllegalArgumentException("node " + id + " is on two sides");
                }
            }
            all.add(Set.copyOf(side));
        }
        Set<Long> rest = new HashSet<>(nodes());
        rest.removeAll(named);
        if (!rest.isEmpty()) {
            all.add(rest);
        }
        for (int i = 0; i < all.size(); i++) {
            for (int j = 0; j < all.size(); j++) {
                if (i != j) {
                    for (long from : all.get(i)) {
                        for (long to : all.get(j)) {
                            cuts.cut(from, to);
                        }
                    }
                }
            }
        }
    }

    /**
     * Cuts the link between two nodes, both ways, until {@link #heal()}: Raft traffic and statement
     * forwarding between them, as {@link #partition} cuts the links across its sides; each keeps
     * its links to every other node. A follower cut from its leader alone stays a follower while
     * the other voters still hear from the leader (PreVote), and falls behind.
     *
     * @throws IllegalArgumentException if either is not a node of the cluster, or they are the same
     */
    public synchronized void cut(long a, long b) {
        member(a);
        member(b);
        if (a == b) {
            throw new IllegalArgumentException("a node has no link to itself: " + a);
        }
        cuts.cut(a, b);
        cuts.cut(b, a);
    }

    /** Restores every link {@link #isolate}, {@link #partition} and {@link #cut} cut; Raft retransmits what was lost. */
    public synchronized void heal() {
        cuts.healAll();
        for (ClusterNode n : snapshot()) {
            n.node().ifPresent(Node::restoreRaftLinks);
        }
    }

    /**
     * Moves {@code range}'s leadership to {@code node} with the admin command the scripts use
     * ({@code admin transfer}), sent to the range's leader and sent again until {@code node} leads
     * and serves (a transfer may be refused while the target catches up, or lost with a message).
     *
     * @throws TimeoutException if {@code node} does not lead within the await timeout
     * @throws IllegalStateException if {@code node} is down or paused
     */
    public void transferLeadership(long range, long node) throws InterruptedException, TimeoutException {
        if (up(node).state() != ClusterNode.State.UP) {
            throw new IllegalStateException("node " + node + " is paused: it cannot take leadership");
        }
        long deadline = System.nanoTime() + awaitTimeout.toNanos();
        long nextRequest = System.nanoTime();
        while (true) {
            OptionalLong leader = currentLeader(range);
            if (leader.isPresent() && leader.getAsLong() == node) {
                return;
            }
            if (leader.isPresent() && System.nanoTime() - nextRequest >= 0) {
                try {
                    admin(leader.getAsLong(), Admin.newBuilder().setRange(range).setTransferLeadershipTo(node));
                } catch (SQLException e) {
                    // The leader went away meanwhile: ask the next one.
                }
                nextRequest = System.nanoTime() + electionTimeout.toNanos();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("range " + range + ": node " + node + " does not lead after "
                        + awaitTimeout.toMillis() + " ms (leader: " + leader + ")");
            }
            TimeUnit.NANOSECONDS.sleep(POLL_NANOS);
        }
    }

    /**
     * Starts a new, empty node with {@code --join} and adds it as a learner of the data range and of
     * the meta range (as {@code cluster-scripts/add-learner} does, so that it reads the node
     * directory and the catalog from replicas of its own); returns its id. It receives the log and
     * serves follower reads; it never votes. Returns once both ranges' leaders have taken it as a
     * learner, not once it has caught up: {@link #awaitApplied} waits for that.
     *
     * @throws TimeoutException if a range's leader does not take it within the await timeout
     */
    public synchronized long addLearner() throws IOException, InterruptedException, TimeoutException {
        long id = nodes.lastKey() + 1;
        ClusterNode n = new ClusterNode(id, new ClientPort(id), List.of());
        nodes.put(id, n);
        for (int attempt = 1; ; attempt++) {
            n.flags = flags(n, freePort(), List.of("--peers", peers, "--join"));
            try {
                start(n);
                break;
            } catch (IOException | RuntimeException e) {
                n.down().ifPresent(ServingNode::close);
                if (!bindFailure(e) || attempt == START_ATTEMPTS) {
                    nodes.remove(id);
                    n.port.close();
                    throw e;
                }
            }
        }
        addAsLearner(Node.DATA_RANGE, id);
        addAsLearner(Node.META_RANGE, id);
        return id;
    }

    /** Asks the range's leader to add a learner, again while the range has no leader that can take it. */
    private void addAsLearner(long range, long node) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + awaitTimeout.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() - deadline < 0) {
            OptionalLong leader = currentLeader(range);
            if (leader.isPresent()) {
                try {
                    Response answer = admin(leader.getAsLong(), Admin.newBuilder().setRange(range).setAddLearner(node));
                    if (!answer.hasError()) {
                        return;
                    }
                    String state = answer.getError().getSqlState();
                    last = state + ": " + answer.getError().getMessage();
                    if (!state.startsWith("08F")) {
                        throw new IllegalStateException("range " + range + " refused node " + node + " as a learner: " + last);
                    }
                } catch (SQLException e) {
                    last = e.toString();
                }
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        throw new TimeoutException("range " + range + " did not take node " + node + " as a learner within "
                + awaitTimeout.toMillis() + " ms; last answer: " + last);
    }

    /** An admin request to a node's own client port (not its relay: the cluster's own requests are never held). */
    private Response admin(long via, Admin.Builder admin) throws SQLException {
        InetSocketAddress address = node(via).sqlAddress();
        byte[] session = new byte[16];
        new SecureRandom().nextBytes(session);
        Hello hello = Hello.newBuilder().setSessionId(ByteString.copyFrom(session)).setClient("flotilla testing").build();
        try (NodeConnection c = NodeConnection.open(new HostAddress(address.getHostString(), address.getPort()), hello,
                2_000, (int) awaitTimeout.toMillis(), 0)) {
            return c.call(Request.newBuilder().setAdmin(admin));
        }
    }

    // ------------------------------------------------------------------ bookkeeping

    private ClusterNode member(long id) {
        ClusterNode n = nodes.get(id);
        if (n == null) {
            throw new IllegalArgumentException("no node " + id + " in this cluster (nodes " + nodes() + ")");
        }
        return n;
    }

    private ClusterNode up(long id) {
        ClusterNode n = member(id);
        if (n.state() == ClusterNode.State.DOWN) {
            throw new IllegalStateException("node " + id + " is down");
        }
        return n;
    }

    private List<ClusterNode> snapshot() {
        synchronized (nodes) {
            return List.copyOf(nodes.values());
        }
    }

    /**
     * Stops every node cleanly, closes the client ports and, unless the builder was given a data
     * directory, deletes the nodes' data.
     *
     * @throws UncheckedIOException if the data cannot be deleted
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ClusterNode n : snapshot()) {
            if (n.state() == ClusterNode.State.PAUSED) {
                resume(n.id);
            }
            n.down().ifPresent(ServingNode::close);
            n.port.close();
        }
        if (deleteOnClose) {
            deleteAll(List.of(root));
        }
    }

    private static void deleteAll(List<Path> roots) {
        for (Path root : roots) {
            if (!Files.exists(root)) {
                continue;
            }
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not delete " + root, e);
            }
        }
    }

    @Override
    public String toString() {
        return "FlotillaCluster" + nodes() + " at " + jdbcUrl();
    }
}
