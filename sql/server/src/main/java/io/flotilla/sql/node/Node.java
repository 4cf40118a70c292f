package io.flotilla.sql.node;

import io.flotilla.raft.core.Config;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.host.DurableGroupLog;
import io.flotilla.raft.host.RaftHost;
import io.flotilla.raft.log.DurableLog;
import io.flotilla.raft.log.FileSystemDirectory;
import io.flotilla.raft.log.GroupCommit;
import io.flotilla.raft.log.LogOptions;
import io.flotilla.raft.node.DeferredOutbox;
import io.flotilla.raft.node.HostEndpoints;
import io.flotilla.raft.transport.AddressBook;
import io.flotilla.raft.transport.RaftTransport;
import io.flotilla.raft.transport.TransportConfig;
import io.flotilla.sql.server.ClientServer;
import io.flotilla.statemachine.range.RangeReplica;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * One Flotilla node: the Raft transport, the node's log writer, the multi-raft host, a replica of
 * every range (the meta range and the data range), and the client server. Owns all of them and
 * closes them in the reverse order.
 */
public final class Node implements AutoCloseable {

    /** Holds the node directory, the range descriptors and the catalog. */
    public static final long META_RANGE = 1;
    /** The one data range of this release: it holds every table. */
    public static final long DATA_RANGE = 2;
    private static final List<Long> RANGES = List.of(META_RANGE, DATA_RANGE);

    private final NodeConfig config;
    private final GroupCommit writer;
    private final RaftHost host;
    private final RaftTransport transport;
    private final SortedMap<Long, RangeReplica> replicas = new TreeMap<>();
    private final List<DurableLog> logs = new ArrayList<>();
    private final ClientServer clients;
    private final RaftLinks links = new RaftLinks();
    private final LongSupplier stalenessClock;
    private final NodeDirectory directory;
    private final NodeAnnouncer announcer;
    private final RangeDescriptors descriptors;
    private final Catalog catalog;
    private final MetaReconciler reconciler;

    private Node(NodeConfig config, LongSupplier stalenessClock) throws IOException, SQLException, InterruptedException {
        this.config = config;
        this.stalenessClock = stalenessClock;
        Files.createDirectories(config.dataDir());
        DeferredOutbox outbox = new DeferredOutbox();
        SecureRandom seeds = new SecureRandom();
        this.host = new RaftHost(config.nodeId(), 2, 1 << 16, outbox, System::nanoTime, seeds.nextLong(),
                config.electionTimeout().toNanos());
        AddressBook book = new AddressBook();
        for (Peer p : config.peers().values()) {
            if (p.id() != config.nodeId()) {
                book.put(p.id(), resolved(p.raft()));
            }
        }
        this.transport = RaftTransport.start(TransportConfig.defaults(config.nodeId(), resolved(config.raft()), book),
                links.inbound(HostEndpoints.inbound(host)), links.snapshots(HostEndpoints.snapshots(host)), seeds);
        outbox.set(links.outbound(HostEndpoints.outbox(transport)));
        for (Peer p : config.peers().values()) {
            if (p.id() != config.nodeId()) {
                // Dialing says where this node listens: a node that joins is reachable before anyone sends to it.
                transport.ping(p.id());
            }
        }
        this.writer = GroupCommit.start("node-" + config.nodeId() + "-log");
        for (long range : RANGES) {
            openRange(range);
        }
        this.directory = new NodeDirectory(replica(META_RANGE));
        this.descriptors = new RangeDescriptors(replica(META_RANGE));
        this.catalog = new Catalog(replica(META_RANGE));
        ClientServer started;
        try {
            io.flotilla.sql.server.SystemViews.install(this);
            started = ClientServer.start(resolved(config.sql()), this);
        } catch (IOException | SQLException | RuntimeException e) {
            // The client port could not open (taken, say): nothing started here may linger.
            closeRaftSide();
            throw e;
        }
        this.clients = started;
        this.announcer = new NodeAnnouncer(this, self());
        this.reconciler = new MetaReconciler(this, descriptors, catalog);
    }

    /** Starts a node from its configuration (its data directory may hold an earlier run's state). */
    public static Node start(NodeConfig config) throws IOException, SQLException, InterruptedException {
        return start(config, System::nanoTime);
    }

    /**
     * Starts a node whose bounded-staleness reads measure age on {@code stalenessClock} (monotonic
     * nanoseconds) instead of {@link System#nanoTime()}: tests move it forward to age what a
     * follower knows of the leader, without waiting.
     */
    public static Node start(NodeConfig config, LongSupplier stalenessClock)
            throws IOException, SQLException, InterruptedException {
        Node node = new Node(config, stalenessClock);
        // Once the node is whole: the announcer reads its directory and may announce to the node itself.
        node.announcer.start();
        node.reconciler.start();
        return node;
    }

    private void openRange(long range) throws IOException, SQLException, InterruptedException {
        Path dir = config.dataDir().resolve("range-" + range);
        Membership bootstrap = config.join() ? Membership.EMPTY : Membership.of(config.peers().keySet(), Set.of());
        DurableLog log = DurableLog.open(FileSystemDirectory.open(Files.createDirectories(dir.resolve("log"))), writer,
                SnapshotMeta.bootstrap(bootstrap), LogOptions.defaults());
        logs.add(log);
        RangeReplica.Options options = RangeReplica.Options.defaults();
        // Checked before anything is opened, so nothing is left open when the limits do not nest.
        requireShippable(options, Config.of(config.nodeId()));
        RangeReplica replica = RangeReplica.open(range, dir.resolve("h2"), options);
        replicas.put(range, replica);
        replica.attach(command -> host.propose(range, command));
        Config raft = Config.of(config.nodeId())
                .withTimeouts(config.electionTimeout().toNanos(), config.heartbeat().toNanos(),
                        config.maxClockDrift().toNanos())
                .withApplied(replica.applied());
        try {
            host.createGroup(range, raft, new DurableGroupLog(log, dir.resolve("images")), replica).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("range " + range + " did not start", e);
        }
    }

    /** Room for what surrounds a payload: a change set in its command, an entry in its message and frame. */
    private static final long ENVELOPE_BYTES = 1L << 20;

    /**
     * The largest transaction must fit the largest entry, and that the transport's frame, or a
     * leader would accept what it can never ship to its followers and retry it forever.
     */
    private void requireShippable(RangeReplica.Options options, Config raft) {
        long frame = transport.config().maxFrameBytes();
        if (options.maxChangeSetBytes() + ENVELOPE_BYTES > raft.maxEntryBytes()
                || raft.maxEntryBytes() + ENVELOPE_BYTES > frame) {
            throw new IllegalStateException("limits that cannot hold together: a transaction of up to "
                    + options.maxChangeSetBytes() + " bytes, entries of up to " + raft.maxEntryBytes()
                    + " bytes, transport frames of up to " + frame + " bytes (each needs "
                    + ENVELOPE_BYTES + " bytes of room inside the next)");
        }
    }

    private static InetSocketAddress resolved(InetSocketAddress a) {
        return a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a;
    }

    public long id() {
        return config.nodeId();
    }

    public NodeConfig config() {
        return config;
    }

    public RaftHost host() {
        return host;
    }

    /** The monotonic clock (nanoseconds) the age of a bounded-staleness read is measured on. */
    public LongSupplier stalenessClock() {
        return stalenessClock;
    }

    /**
     * A fault hook: cuts this node's Raft traffic both ways, as a network partition would, while
     * its client port stays up. {@link #restoreRaftLinks()} heals it.
     */
    public void cutRaftLinks() {
        links.cut();
    }

    public void restoreRaftLinks() {
        links.restore();
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
    public InetSocketAddress sqlAddressOf(long node) throws SQLException {
        Peer p = config.peers().get(node);
        if (p == null) {
            p = directory.entry(node).orElse(null);
        }
        return p == null ? null : p.sql();
    }

    /**
     * Every node this node knows of, by id: the node directory's entries, overridden by the static
     * configuration, and this node itself as it listens now.
     */
    public SortedMap<Long, Peer> knownPeers() throws SQLException {
        SortedMap<Long, Peer> all = new TreeMap<>(directory.entries());
        all.putAll(config.peers());
        all.put(config.nodeId(), self());
        return Collections.unmodifiableSortedMap(all);
    }

    public NodeDirectory directory() {
        return directory;
    }

    /** The range descriptors as this node's replica of the meta range holds them. */
    public RangeDescriptors rangeDescriptors() {
        return descriptors;
    }

    /** The catalog (which range holds each table) as this node's replica of the meta range holds it. */
    public Catalog catalog() {
        return catalog;
    }

    /** This node's entry: the configured hosts with the ports bound (which differ where the configuration says 0). */
    private Peer self() {
        return new Peer(config.nodeId(),
                InetSocketAddress.createUnresolved(config.raft().getHostString(), raftAddress().getPort()),
                InetSocketAddress.createUnresolved(config.sql().getHostString(), sqlAddress().getPort()));
    }

    /** The client port this node listens on (the configured one, or the one bound for port 0). */
    public InetSocketAddress sqlAddress() {
        return clients.localAddress();
    }

    public InetSocketAddress raftAddress() {
        return transport.localAddress();
    }

    @Override
    public void close() {
        reconciler.close();
        announcer.close();
        clients.close();
        closeRaftSide();
    }

    private void closeRaftSide() {
        io.flotilla.sql.server.SystemViews.uninstall(this);
        host.close();
        transport.close();
        writer.close();
        for (RangeReplica r : replicas.values()) {
            r.close();
        }
        for (DurableLog log : logs) {
            try {
                log.close();
            } catch (IOException e) {
                System.getLogger(Node.class.getName()).log(System.Logger.Level.WARNING, "closing a log failed", e);
            }
        }
    }
}
