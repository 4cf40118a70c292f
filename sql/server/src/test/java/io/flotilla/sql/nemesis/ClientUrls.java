package io.flotilla.sql.nemesis;

/**
 * The JDBC URL each client of a workload connects with: every node, starting at a different one
 * per client ({@code offset} + client), so that the clients spread their first Hello; and which
 * node a client port belongs to, to name the node an operation went to.
 */
record ClientUrls(ScriptedCluster cluster, String options, int offset) {

    String forClient(int client) {
        return cluster.url(offset + client, options);
    }

    /** The node listening on this client port, 0 if none. */
    long nodeOf(int sqlPort) {
        return cluster.nodeOfSqlPort(sqlPort);
    }
}
