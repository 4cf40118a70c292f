package io.flotilla.jdbc;

import io.flotilla.protocol.wire.HostAddress;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Nodes whose link failed lately, shared by every connection of the driver: each of them is tried
 * after every other node for a while. A node cut off from the network still leads its range in the
 * eyes of nodes that have not noticed yet, its name comes back in their "not leader" answers, and
 * every attempt on it costs a connect timeout; a connection pool opening connections after a
 * failover should not pay that once per connection.
 */
final class SuspectNodes {

    /** The driver's: one per class loader, as the driver is. */
    static final SuspectNodes SHARED = new SuspectNodes(TimeUnit.SECONDS.toNanos(10));

    private final long suspicionNanos;
    private final Map<HostAddress, Long> until = new ConcurrentHashMap<>();

    SuspectNodes(long suspicionNanos) {
        this.suspicionNanos = suspicionNanos;
    }

    /** The node's link failed (or it could not be reached). */
    void suspect(HostAddress node) {
        until.put(node, System.nanoTime() + suspicionNanos);
    }

    /** The node answered: trusted again. */
    void trust(HostAddress node) {
        until.remove(node);
    }

    boolean isSuspect(HostAddress node) {
        Long end = until.get(node);
        if (end == null) {
            return false;
        }
        if (end - System.nanoTime() > 0) {
            return true;
        }
        until.remove(node, end);
        return false;
    }

    /** Sorts the candidates trusted first, keeping their order otherwise. */
    void trustedFirst(List<HostAddress> candidates) {
        candidates.sort(Comparator.comparing(this::isSuspect));
    }
}
