package io.flotilla.raft.transport;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * Where each peer listens, changeable while the transport runs. A change takes effect at the next
 * connection attempt: a live connection to the old address stays until it breaks, which it does
 * once the peer has moved.
 *
 * <p>Give host names as unresolved addresses ({@link InetSocketAddress#createUnresolved}): the
 * transport resolves them with its {@link HostResolver} at every connection attempt, so a peer
 * whose name now points elsewhere is found there. A resolved address is dialed as it is.
 */
public final class AddressBook {

    private final Map<Long, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    private volatile LongFunction<Optional<InetSocketAddress>> elsewhere = node -> Optional.empty();

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

    /**
     * Where to look for a node this book holds no address for (one that joined after this node
     * started and has not dialed it: a node directory knows it, say). Asked at each connection
     * attempt to such a node, on the transport's event loop, so it must answer quickly and not
     * throw; what it answers is not kept, so a later change there is seen at the next attempt.
     */
    public void lookUpUnknownIn(LongFunction<Optional<InetSocketAddress>> lookup) {
        this.elsewhere = Objects.requireNonNull(lookup, "lookup");
    }

    public Optional<InetSocketAddress> address(long node) {
        InetSocketAddress known = addresses.get(node);
        return known != null ? Optional.of(known) : elsewhere.apply(node);
    }
}
