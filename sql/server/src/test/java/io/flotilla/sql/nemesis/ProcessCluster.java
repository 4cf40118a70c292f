package io.flotilla.sql.nemesis;

import io.flotilla.protocol.wire.HostAddress;

import java.nio.file.Path;
import java.util.List;

/**
 * A running cluster of node processes as the test's clients and probes see it: where to connect,
 * which node an address belongs to, and what the leadership monitor may ask of a node that stops
 * answering. The workloads, {@link ClusterView} and {@link LeaderMonitor} depend on this alone, so
 * that they run against nodes on loopback ({@link ScriptedCluster}) and on separate network hosts
 * alike.
 */
public interface ProcessCluster {

    List<Long> nodeIds();

    /** The JDBC URL of every node, starting at the {@code rotation}-th, so that clients spread their first Hello. */
    String url(int rotation, String options);

    /** The URL of one node alone. */
    String nodeUrl(long id, String options);

    /** The node whose client address this is, 0 if none. */
    long nodeAt(HostAddress clientAddress);

    /**
     * True while the test itself keeps the node from answering (paused, cut off): its silence is
     * then expected and no evidence of a stall.
     */
    boolean silencedByFault(long id);

    /** The node JVM's threads into a file, or a line saying why not. */
    String dumpThreads(long id, Path file);
}
