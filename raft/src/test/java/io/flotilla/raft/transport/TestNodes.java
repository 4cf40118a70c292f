package io.flotilla.raft.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * Transports of a test on 127.0.0.1, port 0, sharing one address book that each fills in with its
 * bound address. Closes them all.
 */
final class TestNodes implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    final AddressBook book = new AddressBook();
    private final List<RaftTransport> started = new ArrayList<>();

    TransportConfig config(long node) {
        return TransportConfig.defaults(node, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), book)
                .withReconnect(Duration.ofMillis(5), Duration.ofMillis(200));
    }

    RaftTransport start(long node, InboundMessages inbound) {
        return start(node, inbound, refusingSnapshots(), UnaryOperator.identity());
    }

    RaftTransport start(long node, InboundMessages inbound, SnapshotSinks sinks, UnaryOperator<TransportConfig> tune) {
        return start(tune.apply(config(node)), inbound, sinks, true);
    }

    /** Starts a transport; {@code publish} puts its address in the book. */
    RaftTransport start(TransportConfig config, InboundMessages inbound, SnapshotSinks sinks, boolean publish) {
        RaftTransport t;
        try {
            t = RaftTransport.start(config, inbound, sinks, new Random(config.nodeId()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        started.add(t);
        if (publish) {
            book.put(config.nodeId(), t.localAddress());
        }
        return t;
    }

    static SnapshotSinks refusingSnapshots() {
        return (group, announcement) -> {
            throw new IOException("this test expects no snapshots");
        };
    }

    @Override
    public void close() {
        started.forEach(RaftTransport::close);
    }
}
