package io.flotilla.sql.node;

import io.flotilla.raft.node.DiskLogs;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.raft.transport.AddressBook;
import io.flotilla.raft.transport.HostResolver;
import io.flotilla.raft.transport.TransportConfig;
import io.flotilla.statemachine.range.RangeReplica;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * What a node takes from where it runs: its network, its disk, its clocks, its randomness, who runs
 * its loops and how its sessions wait. A real node gets Netty, segment files, worker threads and the
 * system clocks ({@link #of}); the whole-stack simulator gives simulated ones from its seed. The
 * node itself ({@link Node}) is assembled the same way from either.
 *
 * @param clock           monotonic nanoseconds for the Raft timers
 * @param stalenessClock  monotonic nanoseconds on which a bounded-staleness read measures age
 * @param wallClockMillis what sessions and proposals are stamped with
 * @param random          proposal-id incarnations and election jitter
 * @param peers           how a session reaches another node's client port (to forward to the leader)
 * @param logCompaction   when the node compacts its ranges' logs
 * @param spawn           how the node runs a task of its own on another thread
 */
public record NodeEnvironment(RaftNetwork network, RaftNode.LogStore logs, RaftNode.Loops loops, LongSupplier clock,
                              LongSupplier stalenessClock, LongSupplier wallClockMillis, RandomGenerator random,
                              RangeReplica.Options rangeOptions, Waits waits, PeerLinks peers,
                              LogCompaction.Policy logCompaction, Spawn spawn) {

    /** A real node's: the transport on its configured address, its logs under its data directory, two workers. */
    public static NodeEnvironment of(NodeConfig config, LongSupplier stalenessClock) {
        return of(config, stalenessClock, HostResolver.SYSTEM);
    }

    /**
     * A real node's, whose transport resolves peers' host names with {@code resolver} (at each
     * dial): tests give one whose answers they change, as DNS does when a host moves.
     */
    public static NodeEnvironment of(NodeConfig config, LongSupplier stalenessClock, HostResolver resolver) {
        AddressBook book = new AddressBook();
        for (Peer p : config.peers().values()) {
            if (p.id() != config.nodeId()) {
                // As given (a name stays a name): the transport resolves it at every dial, never here once for all.
                book.put(p.id(), p.raft());
            }
        }
        TransportConfig transport = TransportConfig.defaults(config.nodeId(), bindable(config.raft().listen()), book)
                .withAdvertisedAddress(config.raft().advertise())
                .withResolver(resolver);
        DiskLogs logs = DiskLogs.open(range -> config.dataDir().resolve("range-" + range),
                "node-" + config.nodeId() + "-log");
        return new NodeEnvironment(new TransportNetwork(transport), logs, new RaftNode.Loops.Threads(2),
                System::nanoTime, stalenessClock, System::currentTimeMillis, new SecureRandom(),
                RangeReplica.Options.defaults(), Waits.BLOCKING, PeerLinks.overClientProtocol(config.electionTimeout()),
                LogCompaction.Policy.defaults(), Spawn.THREADS);
    }

    /** This environment, its logs compacted by {@code policy} instead (a test's small thresholds). */
    public NodeEnvironment withLogCompaction(LogCompaction.Policy policy) {
        return new NodeEnvironment(network, logs, loops, clock, stalenessClock, wallClockMillis, random, rangeOptions,
                waits, peers, policy, spawn);
    }

    /** This environment, its ranges opened with {@code options} instead (a test's short session time-to-live). */
    public NodeEnvironment withRangeOptions(RangeReplica.Options options) {
        return new NodeEnvironment(network, logs, loops, clock, stalenessClock, wallClockMillis, random, options,
                waits, peers, logCompaction, spawn);
    }

    /** A listen address ready to bind: its host resolved, once, which is right for a socket that stays bound there. */
    public static InetSocketAddress bindable(InetSocketAddress listen) {
        return listen.isUnresolved() ? new InetSocketAddress(listen.getHostString(), listen.getPort()) : listen;
    }
}
