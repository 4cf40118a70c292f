package io.flotilla.statemachine.range;

import io.flotilla.raft.embedded.EmbeddedCluster;
import io.flotilla.statemachine.changes.ContentDigest;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.TreeMap;
import java.util.Map;

/** One range on an embedded cluster, with a {@link RangeReplica} per node: the test harness of this package. */
final class RangeCluster implements AutoCloseable {

    final EmbeddedCluster cluster;
    final long range;

    RangeCluster(EmbeddedCluster.Options options, long range, RangeReplica.Options replicaOptions) throws Exception {
        this.cluster = EmbeddedCluster.start(options);
        this.range = range;
        try {
            cluster.createGroup(range, cluster.nodes(), (node, group, directory) -> {
                try {
                    RangeReplica replica = RangeReplica.open(group, directory, replicaOptions);
                    replica.attach(command -> cluster.host(node).propose(group, command));
                    return replica;
                } catch (SQLException e) {
                    throw new java.io.IOException("opening range " + group + " on node " + node + " failed", e);
                }
            });
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    RangeReplica replica(long node) {
        return cluster.stateMachine(node, range);
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
