package io.flotilla.statemachine.range;

import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.embedded.EmbeddedCluster;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.changes.ContentDigest;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.TreeMap;
import java.util.Map;
import java.util.function.LongSupplier;

/** One range on an embedded cluster, with a {@link RangeReplica} per node: the test harness of this package. */
final class RangeCluster implements AutoCloseable {

    final EmbeddedCluster cluster;
    final long range;
    private final RangeReplica.Options replicaOptions;
    private final LongSupplier wallClockMillis;

    RangeCluster(EmbeddedCluster.Options options, long range, RangeReplica.Options replicaOptions) throws Exception {
        this(options, range, replicaOptions, System::currentTimeMillis);
    }

    /** With the wall clock every replica stamps sessions and proposals with: a test's, that it moves. */
    RangeCluster(EmbeddedCluster.Options options, long range, RangeReplica.Options replicaOptions,
                 LongSupplier wallClockMillis) throws Exception {
        this.cluster = EmbeddedCluster.start(options);
        this.range = range;
        this.replicaOptions = replicaOptions;
        this.wallClockMillis = wallClockMillis;
        try {
            cluster.createGroup(range, cluster.nodes(), this::openReplica);
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    /** The state machine factory of every replica of the range, initial or added later. */
    private RangeReplica openReplica(long node, long group, Path directory) throws IOException {
        try {
            byte[] incarnation = new byte[8];
            new SecureRandom().nextBytes(incarnation);
            RangeReplica replica = group == range
                    ? RangeReplica.open(group, KeySpan.ALL_TABLES, directory, replicaOptions, wallClockMillis, incarnation)
                    : RangeReplica.openSplitOff(group, directory, replicaOptions, wallClockMillis, incarnation);
            replica.attach(command -> cluster.host(node).propose(group, command));
            replica.attach(newRanges(node));
            return replica;
        } catch (SQLException e) {
            throw new IOException("opening range " + group + " on node " + node + " failed", e);
        }
    }

    /**
     * A node's side of splits: the new range's log through the node's log store, its replica
     * started by the cluster like any other. Called on the splitting group's thread: it takes no
     * lock of the cluster's (the node's Raft side is looked up while the replica opens).
     */
    private NewRanges newRanges(long node) {
        RaftNode raft = cluster.raftNode(node);
        return new NewRanges() {
            @Override
            public boolean isMember(Membership members) {
                return members.all().contains(node);
            }

            @Override
            public boolean holds(long range) throws IOException {
                return raft.holdsGroup(range);
            }

            @Override
            public Path databaseDirectory(long range) {
                return cluster.stateDirectory(node, range);
            }

            @Override
            public void create(long range, SnapshotMeta base, ReadableByteChannel image) throws IOException {
                raft.createGroupLog(range, base, image);
            }

            @Override
            public void start(long range) {
                cluster.startGroupLater(node, range, RangeCluster.this::openReplica);
            }
        };
    }

    /**
     * Starts a new node with an empty replica of the range and adds it as a learner through the
     * leader; returns the node. It catches up from the leader (by snapshot, if the log was compacted).
     */
    long addLearner(Duration timeout) throws Exception {
        long node = cluster.addNode();
        cluster.addLearner(range, node, this::openReplica, timeout);
        return node;
    }

    RangeReplica replica(long node) {
        return cluster.stateMachine(node, range);
    }

    /** The replica of another range on a node (one a split made), once it started there; null until then. */
    RangeReplica replica(long node, long otherRange) {
        return cluster.runs(node, otherRange) ? cluster.stateMachine(node, otherRange) : null;
    }

    /** Waits for a replica that leads and has applied an entry of its term; returns its node. */
    long awaitServing(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (long node : cluster.nodes()) {
                if (cluster.isUp(node) && replica(node).serving()) {
                    return node;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no replica of range " + range + " serves within " + timeout);
            }
            Thread.sleep(5);
        }
    }

    /** Waits until every running replica applied at least {@code index}; then their row digests, by node. */
    Map<Long, String> digestsAt(long index, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<Long, String> digests = new TreeMap<>();
        for (long node : cluster.nodes()) {
            if (!cluster.isUp(node)) {
                continue;
            }
            while (replica(node).applied() < index) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("node " + node + " applied only " + replica(node).applied() + " of " + index);
                }
                Thread.sleep(5);
            }
            try (Connection c = replica(node).store().connect()) {
                digests.put(node, ContentDigest.ofRows(c));
            }
        }
        return digests;
    }

    Set<Long> nodes() {
        return cluster.nodes();
    }

    @Override
    public void close() {
        cluster.close();
    }
}
