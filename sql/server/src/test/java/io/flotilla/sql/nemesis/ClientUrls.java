package io.flotilla.sql.nemesis;

import io.flotilla.protocol.wire.HostAddress;

/**
 * The JDBC URL each client of a workload connects with: every node, starting at a different one
 * per client ({@code offset} + client), so that the clients spread their first Hello; and which
 * node a client address belongs to, to name the node an operation went to.
 */
record ClientUrls(ProcessCluster cluster, String options, int offset) {

    String forClient(int client) {
        return cluster.url(offset + client, options);
    }

    /** The node listening on this client address, 0 if none. */
    long nodeOf(HostAddress address) {
        return cluster.nodeAt(address);
    }
}
