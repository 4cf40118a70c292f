package io.flotilla.raft.transport;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where each peer listens, changeable while the transport runs. A change takes effect at the next
 * connection attempt: a live connection to the old address stays until it breaks, which it does
 * once the peer has moved.
 */
public final class AddressBook {

    private final Map<Long, InetSocketAddress> addresses = new ConcurrentHashMap<>();

    public AddressBook() {
    }

    public AddressBook(Map<Long, InetSocketAddress> initial) {
        initial.forEach(this::put);
    }

    /** Records where a node is unless its address is known already (configured addresses win). */
    public void learn(long node, InetSocketAddress address) {
        if (node > 0 && address != null) {
            addresses.putIfAbsent(node, address);
        }
    }

    public void put(long node, InetSocketAddress address) {
        if (node <= 0) {
            throw new IllegalArgumentException("not a node id: " + node);
        }
        addresses.put(node, Objects.requireNonNull(address, "address"));
    }

    public void remove(long node) {
        addresses.remove(node);
    }

    public Optional<InetSocketAddress> address(long node) {
        return Optional.ofNullable(addresses.get(node));
    }
}
