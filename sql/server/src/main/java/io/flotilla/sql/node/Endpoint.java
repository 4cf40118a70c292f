package io.flotilla.sql.node;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One of a node's ports as two addresses: the one it binds ({@code listen}: an interface's
 * address, or a wildcard such as {@code 0.0.0.0} for all of them) and the one the cluster is told
 * to dial ({@code advertise}: a host name or address other machines reach it at). They differ
 * behind NAT, in containers, and wherever a node binds every interface.
 *
 * <p>Both are kept unresolved: a name is resolved where it is used (the listen address when it is
 * bound, the advertised one by each peer at each dial), never once for all. Port 0 in the listen
 * address binds any free port; port 0 in the advertised address stands for the port bound.
 */
public record Endpoint(InetSocketAddress listen, InetSocketAddress advertise) {

    public Endpoint {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(advertise, "advertise");
        if (isWildcard(advertise.getHostString())) {
            throw new IllegalArgumentException("the advertised address " + Peer.format(advertise)
                    + " is a wildcard that binds every interface; no other machine can dial it");
        }
    }

    /** Listens and is reached at the same address. */
    public static Endpoint at(InetSocketAddress address) {
        return new Endpoint(address, address);
    }

    /** What other nodes are told: the advertised host, with the bound port where the advertised one is 0. */
    InetSocketAddress advertised(InetSocketAddress bound) {
        return InetSocketAddress.createUnresolved(advertise.getHostString(),
                advertise.getPort() == 0 ? bound.getPort() : advertise.getPort());
    }

    /**
     * Whether a host, as written, is the any-address: {@code 0.0.0.0}, {@code ::}, {@code [::]},
     * {@code 0} (which IPv4 parsers read as 0.0.0.0). Judged from the text alone, so that no name
     * is looked up here.
     */
    static boolean isWildcard(String host) {
        return !host.isEmpty() && host.chars().allMatch(c -> c == '0' || c == '.' || c == ':' || c == '[' || c == ']');
    }
}
