package io.flotilla.sql.node;

import java.net.InetSocketAddress;

/** Where a node listens: its Raft transport and its SQL (client) port. */
public record Peer(long id, InetSocketAddress raft, InetSocketAddress sql) {

    /** Parses {@code id=raftHost:raftPort/sqlHost:sqlPort}. */
    static Peer parse(String spec) {
        int eq = spec.indexOf('=');
        int slash = spec.indexOf('/');
        if (eq < 1 || slash < eq) {
            throw new IllegalArgumentException("a peer is id=raftHost:port/sqlHost:port, not " + spec);
        }
        return new Peer(Long.parseLong(spec.substring(0, eq).trim()), address(spec.substring(eq + 1, slash)),
                address(spec.substring(slash + 1)));
    }

    static InetSocketAddress address(String hostPort) {
        String s = hostPort.trim();
        int colon = s.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("an address is host:port, not " + hostPort);
        }
        return InetSocketAddress.createUnresolved(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
    }

    /** {@code host:port} as flags write it, the host as given (a name is not resolved). */
    public static String format(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }
}
