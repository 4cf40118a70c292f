package io.flotilla.raft.transport;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Turns a peer's host name into an IP address. The transport asks it at every connection attempt
 * (a message link's dial and redial, a snapshot stream), never once for all: a peer given by a DNS
 * name — a Kubernetes pod that came back with a new IP, a host whose address changed — is found
 * where it is now. Tests substitute a resolver whose answers they change.
 */
@FunctionalInterface
public interface HostResolver {

    /**
     * The JDK's own lookup ({@link InetAddress#getByName}). The JDK caches its answers for
     * {@code networkaddress.cache.ttl} seconds (30 by default) and failures for
     * {@code networkaddress.cache.negative.ttl} (10): a moved peer is found within that.
     */
    HostResolver SYSTEM = InetAddress::getByName;

    InetAddress resolve(String host) throws UnknownHostException;

    /**
     * The address to dial now: an unresolved one (a name) resolved by this resolver, a resolved
     * one as it is (whoever made it chose that IP).
     */
    default InetSocketAddress dialable(InetSocketAddress address) throws UnknownHostException {
        return address.isUnresolved() ? new InetSocketAddress(resolve(address.getHostString()), address.getPort())
                : address;
    }
}
