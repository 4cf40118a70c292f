package io.flotilla.sql.node;

import io.flotilla.raft.core.Config;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Message;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.core.Raft;
import io.flotilla.raft.host.RaftHost;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.range.NewRanges;
import io.flotilla.statemachine.range.RangeReplica;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Flotilla node: its Raft side ({@link RaftNode}: the host, its network, its logs), a replica
 * of every range (the meta range and the data range), and, once its client port is open, the
 * background work that keeps the meta range current and compacts the logs. Built one way from a
 * {@link NodeEnvironment}: a real one for production, a simulated one for the whole-stack
 * simulator. Owns all of it and closes it in the reverse order.
 *
 * <p>The client port is not the node's: what serves clients ({@code io.flotilla.sql.server})
 * builds on this package, never the other way round. It assembles a node, waits for its {@link
 * #awaitReplayed() replay}, opens the port, then tells the node where the port is bound ({@link
 * #startUpkeep}), which the node directory records.
 */
public final class Node implements AutoCloseable {

    /** Holds the node directory, the range descriptors and the catalog. */
    public static final long META_RANGE = 1;
    /** The data range of the cluster's initial layout: every table, until a split gives keys to a new range. */
    public static final long DATA_RANGE = 2;
    /** The ranges every node of a new cluster starts with; splits add others. */
    private static final List<Long> INITIAL_RANGES = List.of(META_RANGE, DATA_RANGE);
    private static final Pattern RANGE_DIRECTORY = Pattern.compile("range-([1-9][0-9]*)");
    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** How often a long replay at start reports its progress. */
    private static final long REPLAY_PROGRESS_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final System.Logger LOG = System.getLogger(Node.class.getName());

    private final NodeConfig config;
    private final NodeEnvironment environment;
    private final RaftNode raft;
    /** Every range this node holds a replica of: the initial ones, and those splits made, which come and go. */
    private final ConcurrentSkipListMap<Long, RangeReplica> replicas = new ConcurrentSkipListMap<>();
    /** Guards {@link #closed}: a range a split made is opened, or not, whole. */
    private final Object lifecycle = new Object();
    /** Set once the node closes or crashes: no range opens any more. */
    private boolean closed;
    private final NodeDirectory directory;
    private final RangeDescriptors descriptors;
    private final Catalog catalog;
    private final RangeIds rangeIds;
    /** Compacts the ranges' logs: on a thread of its own once the node serves, or the simulator's. */
    private final LogCompaction logCompaction;
    /**
     * What a node runs once its client port is open; absent in a node the simulator drives.
     * Volatile: sessions on the client port's threads read the bound address from the start.
     */
    private volatile Optional<Upkeep> upkeep = Optional.empty();

    /** The client port's bound address and the meta range's upkeep, in the order they start. */
    private record Upkeep(InetSocketAddress clientPort, NodeAnnouncer announcer, MetaReconciler reconciler) {
    }

    private Node(NodeConfig config, NodeEnvironment environment) throws IOException, SQLException, InterruptedException {
        this.config = config;
        this.environment = environment;
        this.raft = RaftNode.start(new RaftNode.Parts(config.nodeId(), environment.clock(), environment.random().nextLong(),
                config.electionTimeout().toNanos(), environment.loops(), environment.network(), environment.logs()));
        try {
            Files.createDirectories(config.dataDir());
            for (Peer p : config.peers().values()) {
                if (p.id() != config.nodeId()) {
                    // Dialing says where this node listens: a node that joins is reachable before anyone sends to it.
                    raft.ping(p.id());
                }
            }
            // Ranges splits made first, the newest first (a range's id is above the one it split
            // from): a range that replays its split then finds the range it made open already,
            // and never builds it again, or opens it twice.
            for (long range : splitOffRanges()) {
                synchronized (lifecycle) {
                    opening.add(range);
                }
                try {
                    openRange(range, Optional.empty());
                } finally {
                    opening.remove(range);
                }
            }
            for (long range : INITIAL_RANGES) {
                openRange(range, Optional.of(range == META_RANGE ? KeySpan.META : KeySpan.ALL_TABLES));
            }
            this.directory = new NodeDirectory(replica(META_RANGE), environment.waits());
            this.descriptors = new RangeDescriptors(replica(META_RANGE));
            this.catalog = new Catalog(replica(META_RANGE));
            this.rangeIds = new RangeIds(replica(META_RANGE), config.nodeId(), environment.waits());
            environment.network().lookUpUnknownNodesIn(this::raftAddressInDirectory);
            raft.host().whenUnhosted(this::unhosted);
            this.logCompaction = new LogCompaction(config.nodeId(), raft.host(), Collections.unmodifiableMap(replicas),
                    environment.waits(), environment.logCompaction());
        } catch (IOException | SQLException | InterruptedException | RuntimeException e) {
            // Nothing started here may linger.
            closeRaftSide();
            throw e;
        }
    }

    /**
     * Assembles a node in the given environment: its replicas are open and their groups started,
     * and it takes part in elections and replication. It serves no client: a serving node opens its
     * client port and then calls {@link #startUpkeep}; the whole-stack simulator drives the node's
     * host and calls its sessions itself. If assembly fails, nothing it opened is left open.
     */
    public static Node assemble(NodeConfig config, NodeEnvironment environment)
            throws IOException, SQLException, InterruptedException {
        return new Node(config, environment);
    }

    /**
     * Waits until each replica has applied what its log held as committed when it opened: after a
     * crash a replica is rebuilt from its log (seconds of work on a small machine), and a node
     * takes clients, and says it is ready, only once it can serve them from a current state. A
     * client that meets the port still closed tries another node rather than waiting on this one.
     * Peers are served meanwhile: the replicas take part in elections and replication from the start.
     * A replica whose group stops (a failed apply) is not waited for; it shows as failed.
     */
    public void awaitReplayed() throws InterruptedException {
        for (Map.Entry<Long, RangeReplica> e : replicas.entrySet()) {
            long range = e.getKey();
            long target;
            try {
                target = environment.waits().await(raft.host().inspect(range, Raft::committed), START_TIMEOUT_NANOS);
            } catch (ExecutionException | TimeoutException failure) {
                LOG.log(System.Logger.Level.WARNING, "node " + config.nodeId() + ": range " + range
                        + ": cannot tell how far its log goes; not waiting for its replay", failure);
                continue;
            }
            while (!e.getValue().awaitApplied(target, REPLAY_PROGRESS_NANOS)) {
                if (raft.host().failure(range).isPresent()) {
                    break;
                }
                LOG.log(System.Logger.Level.INFO, "node " + config.nodeId() + ": range " + range
                        + ": replaying its log, applied " + e.getValue().applied() + " of " + target);
            }
        }
    }

    /**
     * Starts what a node runs once its client port is open, at {@code clientPort} (the port chosen
     * where port 0 was configured): the announcer, which records that address in the node
     * directory, so other nodes forward clients to a port that accepts them; the reconciler of the
     * meta range; log compaction on a thread of its own. {@link #close()} stops them.
     */
    public void startUpkeep(InetSocketAddress clientPort) {
        if (upkeep.isPresent()) {
            throw new IllegalStateException("node " + config.nodeId() + " already started its upkeep");
        }
        NodeAnnouncer announcer = new NodeAnnouncer(this, self(clientPort));
        MetaReconciler reconciler = new MetaReconciler(this, descriptors, catalog);
        // Recorded before any thread starts, so that close() stops whatever started.
        upkeep = Optional.of(new Upkeep(clientPort, announcer, reconciler));
        // Once the node is whole: the announcer reads its directory and may announce to the node itself.
        announcer.start();
        reconciler.start();
        logCompaction.start();
    }

    /**
     * The ranges a split made on this node before it stopped: those whose log the node holds. A
     * range directory without one was left by a split that crashed before the new range was
     * durable; it is deleted here, and the splitting range, replaying its split, makes it again.
     */
    private List<Long> splitOffRanges() throws IOException {
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(config.dataDir())) {
            for (Path entry : entries) {
                Matcher m = RANGE_DIRECTORY.matcher(entry.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(entry)) {
                    continue;
                }
                long range = Long.parseLong(m.group(1));
                if (INITIAL_RANGES.contains(range)) {
                    continue;
                }
                if (raft.holdsGroup(range)) {
                    found.add(range);
                } else {
                    LOG.log(System.Logger.Level.INFO, "node " + config.nodeId() + ": range " + range
                            + " was not made durable by the split that began it; its leftovers go");
                    deleteTree(entry);
                }
            }
        }
        found.sort(Comparator.reverseOrder());
        return found;
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    private Path rangeDirectory(long range) {
        return config.dataDir().resolve("range-" + range);
    }

    /**
     * Opens this node's replica of a range and starts its group.
     *
     * @param initialSpan the span of a range of the initial layout; empty for one a split made
     *        (its log exists, and its state comes from the split's image)
     */
    private void openRange(long range, Optional<KeySpan> initialSpan) throws IOException, SQLException, InterruptedException {
        Path dir = rangeDirectory(range);
        // A range a split made starts from its log's snapshot, or, where this node has none, as an
        // empty replica that only its leader's snapshot fills: never with voters of its own choosing.
        Membership bootstrap = config.join() || initialSpan.isEmpty() ? Membership.EMPTY
                : Membership.of(config.peers().keySet(), Set.of());
        RangeReplica.Options options = environment.rangeOptions();
        // Checked before anything is opened, so nothing is left open when the limits do not nest.
        requireShippable(options, Config.of(config.nodeId()));
        byte[] incarnation = new byte[8];
        environment.random().nextBytes(incarnation);
        RangeReplica replica = initialSpan.isPresent()
                ? RangeReplica.open(range, initialSpan.get(), dir.resolve("h2"), options, environment.wallClockMillis(),
                        incarnation)
                : RangeReplica.openSplitOff(range, dir.resolve("h2"), options, environment.wallClockMillis(), incarnation);
        synchronized (lifecycle) {
            if (closed) {
                // The node closed while this range opened: what close() no longer sees, this closes.
                replica.close();
                throw new IOException("node " + config.nodeId() + " closed while range " + range + " opened");
            }
            replicas.put(range, replica);
        }
        replica.attach(command -> raft.host().propose(range, command));
        replica.attach(new SplitRanges());
        Config raftConfig = Config.of(config.nodeId())
                .withTimeouts(config.electionTimeout().toNanos(), config.heartbeat().toNanos(),
                        config.maxClockDrift().toNanos())
                .withApplied(replica.applied());
        try {
            environment.waits().await(raft.openGroup(range, raftConfig, bootstrap, replica), START_TIMEOUT_NANOS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("range " + range + " did not start", e);
        }
    }

    /** This node's side of a split: the new range's log in the node's log store, its replica opened here. */
    private final class SplitRanges implements NewRanges {
        @Override
        public boolean isMember(Membership members) {
            return members.all().contains(config.nodeId());
        }

        /**
         * Whether the node holds the range, or is opening it (its leader reached this node first:
         * see {@link #unhosted}); if not, the range is claimed for the split that asks, so that no
         * one opens it in its directory while the split builds it there.
         */
        @Override
        public boolean holds(long range) throws IOException {
            synchronized (lifecycle) {
                if (replicas.containsKey(range) || opening.contains(range) || raft.holdsGroup(range)) {
                    return true;
                }
                opening.add(range);
                claimedBySplit.add(range);
                return false;
            }
        }

        @Override
        public Path databaseDirectory(long range) {
            return rangeDirectory(range).resolve("h2");
        }

        @Override
        public void create(long range, SnapshotMeta base, ReadableByteChannel image) throws IOException {
            raft.createGroupLog(range, base, image);
        }

        @Override
        public void start(long range) {
            // Whether this split built the range (and claimed it) or found it held already.
            boolean claimed;
            synchronized (lifecycle) {
                claimed = claimedBySplit.remove(range);
            }
            environment.spawn().start("flotilla-node-" + config.nodeId() + "-open-range-" + range,
                    () -> startSplitOff(range, claimed));
        }
    }

    /** Ranges being opened here (or built by a split), while they are: nobody else opens them meanwhile. */
    private final Set<Long> opening = ConcurrentHashMap.newKeySet();
    /** Of those, the ones a split applying here claimed to build ({@link SplitRanges#holds}); under {@link #lifecycle}. */
    private final Set<Long> claimedBySplit = new HashSet<>();

    /**
     * A range's leader reached this node for a range it does not hold: its replica of the range
     * that split missed the split (it was behind, and caught up from an image taken after it). It
     * opens an empty replica, which the leader fills with a snapshot, as it fills a learner's. Only
     * for a leader's messages, only for ranges a split made: the initial ones every node opens.
     */
    private void unhosted(long group, Message message) {
        boolean fromLeader = message instanceof Message.Append || message instanceof Message.Heartbeat
                || message instanceof Message.InstallSnapshot;
        if (!fromLeader || INITIAL_RANGES.contains(group) || group <= 0 || replicas.containsKey(group)
                || opening.contains(group)) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "node " + config.nodeId() + ": range " + group + "'s leader (node "
                + message.from() + ") reached this node, which holds no replica of it: opening an empty one");
        environment.spawn().start("flotilla-node-" + config.nodeId() + "-open-range-" + group,
                () -> startSplitOff(group, false));
    }

    /**
     * Opens a range a split made (its log here, or an empty replica its leader fills), once.
     *
     * @param claimed the split that built it here claimed it ({@link SplitRanges#holds}): nobody
     *        else opens it meanwhile
     */
    private void startSplitOff(long range, boolean claimed) {
        synchronized (lifecycle) {
            if (closed || replicas.containsKey(range) || (!claimed && !opening.add(range))) {
                // A closed node finds the range's log at its next start and opens it then.
                if (claimed) {
                    opening.remove(range);
                }
                return;
            }
        }
        try {
            openRange(range, Optional.empty());
            LOG.log(System.Logger.Level.INFO, "node " + config.nodeId() + ": started range " + range + ", made by a split");
        } catch (IOException | SQLException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "node " + config.nodeId() + ": range " + range
                    + ", made by a split, did not start; it starts with the node's next start", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            opening.remove(range);
        }
    }

    /** Room for what surrounds a payload: a change set in its command, an entry in its message and frame. */
    private static final long ENVELOPE_BYTES = 1L << 20;

    /**
     * The largest transaction must fit the largest entry, and that the network's largest message,
     * or a leader would accept what it can never ship to its followers and retry it forever.
     */
    private void requireShippable(RangeReplica.Options options, Config raftConfig) {
        long frame = environment.network().maxFrameBytes();
        if (options.maxChangeSetBytes() + ENVELOPE_BYTES > raftConfig.maxEntryBytes()
                || raftConfig.maxEntryBytes() + ENVELOPE_BYTES > frame) {
            throw new IllegalStateException("limits that cannot hold together: a transaction of up to "
                    + options.maxChangeSetBytes() + " bytes, entries of up to " + raftConfig.maxEntryBytes()
                    + " bytes, transport frames of up to " + frame + " bytes (each needs "
                    + ENVELOPE_BYTES + " bytes of room inside the next)");
        }
    }

    public long id() {
        return config.nodeId();
    }

    public NodeConfig config() {
        return config;
    }

    public RaftHost host() {
        return raft.host();
    }

    /** What this node was built from: clocks, waits, links to other nodes. */
    public NodeEnvironment environment() {
        return environment;
    }

    /** The monotonic clock (nanoseconds) the age of a bounded-staleness read is measured on. */
    public LongSupplier stalenessClock() {
        return environment.stalenessClock();
    }

    /**
     * A fault hook: cuts this node's Raft traffic both ways, as a network partition would, while
     * its client port stays up. {@link #restoreRaftLinks()} heals it.
     */
    public void cutRaftLinks() {
        environment.network().cut();
    }

    public void restoreRaftLinks() {
        environment.network().restore();
    }

    public RangeReplica replica(long range) {
        RangeReplica r = replicas.get(range);
        if (r == null) {
            throw new IllegalArgumentException("no range " + range);
        }
        return r;
    }

    public Map<Long, RangeReplica> replicas() {
        return Collections.unmodifiableMap(replicas);
    }

    /**
     * Where a node's client port is, if this node knows it: from the static configuration, else from
     * this node's replica of the node directory (perhaps stale: a wrong guess fails and is retried).
     */
    public Optional<InetSocketAddress> sqlAddressOf(long node) throws SQLException {
        Peer p = config.peers().get(node);
        return p != null ? Optional.of(p.sql()) : directory.entry(node).map(Peer::sql);
    }

    /**
     * Every node this node knows of, by id: the node directory's entries, overridden by the static
     * configuration, and this node itself as it listens now.
     */
    public SortedMap<Long, Peer> knownPeers() throws SQLException {
        SortedMap<Long, Peer> all = new TreeMap<>(directory.entries());
        all.putAll(config.peers());
        all.put(config.nodeId(), advertised());
        return Collections.unmodifiableSortedMap(all);
    }

    public NodeDirectory directory() {
        return directory;
    }

    /**
     * A node's Raft address as this node's replica of the node directory has it: where the
     * transport dials a node it was not configured with and has not heard from (one that joined
     * through another node's client port). Read on a transport thread, from the directory's cache
     * unless the meta range applied something since.
     */
    private Optional<InetSocketAddress> raftAddressInDirectory(long node) {
        try {
            return directory.entry(node).map(Peer::raft);
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING, "node " + config.nodeId() + ": cannot read node " + node
                    + "'s Raft address from the node directory", e);
            return Optional.empty();
        }
    }

    /**
     * What compacts this node's range logs. A serving node runs it on a thread of its own; in a
     * node the simulator drives, the simulator runs its {@link LogCompaction#run() loop}.
     */
    public LogCompaction logCompaction() {
        return logCompaction;
    }

    /** The range descriptors as this node's replica of the meta range holds them. */
    public RangeDescriptors rangeDescriptors() {
        return descriptors;
    }

    /** New range ids, given while this node leads the meta range. */
    public RangeIds rangeIds() {
        return rangeIds;
    }

    /** The catalog (which range holds each table) as this node's replica of the meta range holds it. */
    public Catalog catalog() {
        return catalog;
    }

    /**
     * This node as the cluster is told of it (the node directory, the driver's cluster list):
     * its advertised addresses, with the ports bound where the advertised ones are 0.
     */
    public Peer advertised() {
        return self(sqlAddress());
    }

    private Peer self(InetSocketAddress boundSql) {
        return new Peer(config.nodeId(), config.raft().advertised(raftAddress()), config.sql().advertised(boundSql));
    }

    /**
     * The address this node's client port is bound to (the configured listen address, with the
     * port chosen for port 0), as {@link #startUpkeep} was told it; a node whose client port is not
     * open (in the simulator) answers the configured one. Other machines dial {@link #advertised()}
     * instead.
     */
    public InetSocketAddress sqlAddress() {
        return upkeep.map(Upkeep::clientPort).orElse(config.sql().listen());
    }

    /** The address this node's Raft transport is bound to. */
    public InetSocketAddress raftAddress() {
        return environment.network().localAddress();
    }

    /** Stops the upkeep, then closes the Raft side and the replicas. */
    @Override
    public void close() {
        stopUpkeep();
        closeRaftSide();
    }

    /** Log compaction and the meta range's upkeep, in the reverse of the order they started. */
    private void stopUpkeep() {
        synchronized (lifecycle) {
            closed = true;
        }
        logCompaction.close();
        upkeep.ifPresent(u -> {
            u.reconciler().close();
            u.announcer().close();
        });
    }

    /**
     * A fault hook, kill -9: the node stops at once. Nothing is flushed: H2 keeps what it had
     * written, the logs what their store made durable; everything in flight fails.
     */
    public void crash() {
        stopUpkeep();
        raft.close();
        for (RangeReplica r : replicas.values()) {
            r.crash();
        }
    }

    private void closeRaftSide() {
        synchronized (lifecycle) {
            closed = true;
        }
        raft.close();
        for (RangeReplica r : replicas.values()) {
            r.close();
        }
    }
}
