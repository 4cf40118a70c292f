package io.flotilla.sql.node;

import io.flotilla.raft.node.DiskLogs;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.raft.transport.AddressBook;
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
 */
public record NodeEnvironment(RaftNetwork network, RaftNode.LogStore logs, RaftNode.Loops loops, LongSupplier clock,
                              LongSupplier stalenessClock, LongSupplier wallClockMillis, RandomGenerator random,
                              RangeReplica.Options rangeOptions, Waits waits, PeerLinks peers) {

    /** A real node's: the transport on its configured address, its logs under its data directory, two workers. */
    public static NodeEnvironment of(NodeConfig config, LongSupplier stalenessClock) {
        AddressBook book = new AddressBook();
        for (Peer p : config.peers().values()) {
            if (p.id() != config.nodeId()) {
                book.put(p.id(), resolved(p.raft()));
            }
        }
        TransportNetwork network = new TransportNetwork(TransportConfig.defaults(config.nodeId(), resolved(config.raft()), book));
        DiskLogs logs = DiskLogs.open(range -> config.dataDir().resolve("range-" + range),
                "node-" + config.nodeId() + "-log");
        return new NodeEnvironment(network, logs, new RaftNode.Loops.Threads(2), System::nanoTime, stalenessClock,
                System::currentTimeMillis, new SecureRandom(), RangeReplica.Options.defaults(), Waits.BLOCKING,
                PeerLinks.overClientProtocol(config.electionTimeout()));
    }

    static InetSocketAddress resolved(InetSocketAddress a) {
        return a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a;
    }
}
