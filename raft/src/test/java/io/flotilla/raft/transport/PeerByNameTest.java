package io.flotilla.raft.transport;

import static io.flotilla.raft.transport.RaftTransportMessagesTest.sample;
import static io.flotilla.raft.transport.TestNodes.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A peer given by host name is found where the name points now, at every connection attempt: the
 * peer listens on one loopback address, restarts on another, the name is moved there (as a
 * Kubernetes pod comes back under the same DNS name with a new IP), and messages reach it again.
 *
 * <p>The name is {@value #NAME}, which the JDK resolves too (to 127.0.0.1, where no peer of these
 * tests listens): a transport that resolved a name once — when it was configured, or when a Hello
 * taught it — or that went around its {@link HostResolver}, would never reach the peer. The other
 * addresses of 127/8 are loopback on Linux; where they cannot be bound (macOS), the tests are skipped.
 */
class PeerByNameTest {

    private static final String NAME = "localhost";
    private static final InetAddress FIRST = address(127, 0, 0, 2);
    private static final InetAddress SECOND = address(127, 0, 0, 3);

    private final TestNodes nodes = new TestNodes();
    /** What {@value #NAME} resolves to now; other names are the JDK's. */
    private final Map<String, InetAddress> dns = new ConcurrentHashMap<>();
    private final HostResolver resolver = host -> {
        InetAddress moved = dns.get(host);
        return moved != null ? moved : InetAddress.getByName(host);
    };

    @BeforeEach
    void loopbackAliases() {
        assumeTrue(bindable(FIRST) && bindable(SECOND), "127.0.0.2 and 127.0.0.3 are not loopback addresses here");
    }

    @AfterEach
    void close() {
        nodes.close();
    }

    @Test
    void aConfiguredNameIsResolvedAgainWhenThePeerComesBackElsewhere() throws Exception {
        int port = portFreeOnBoth();
        AddressBook book = new AddressBook();
        book.put(2, InetSocketAddress.createUnresolved(NAME, port));
        RaftTransport one = start(config(1, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), book),
                new RecordingInbound());

        dns.put(NAME, FIRST);
        RecordingInbound first = new RecordingInbound();
        RaftTransport two = start(config(2, new InetSocketAddress(FIRST, port), new AddressBook()), first);
        sendUntilDelivered(one, 2, first, 1);

        two.close();
        dns.put(NAME, SECOND);
        RecordingInbound second = new RecordingInbound();
        start(config(2, new InetSocketAddress(SECOND, port), new AddressBook()), second);
        sendUntilDelivered(one, 2, second, 1);
        assertTrue(one.stats(2).connects() >= 2, "connects: " + one.stats(2).connects());
    }

    /**
     * Node 2 is never told where node 1 is: it learns the name node 1 advertises from node 1's
     * Hello, and must resolve that name again once node 1 has moved.
     */
    @Test
    void anAdvertisedNameLearnedFromAHelloIsResolvedAgainToo() throws Exception {
        int port = portFreeOnBoth();
        InetSocketAddress advertised = InetSocketAddress.createUnresolved(NAME, port);
        RecordingInbound received = new RecordingInbound();
        RaftTransport two = start(config(2, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new AddressBook()), received);
        AddressBook oneBook = new AddressBook();
        oneBook.put(2, two.localAddress());

        dns.put(NAME, FIRST);
        RecordingInbound first = new RecordingInbound();
        RaftTransport one = start(config(1, new InetSocketAddress(FIRST, port), oneBook)
                .withAdvertisedAddress(advertised), first);
        one.ping(2);
        received.awaitHeard(1, 1, TIMEOUT);
        sendUntilDelivered(two, 1, first, 1);

        one.close();
        dns.put(NAME, SECOND);
        RecordingInbound second = new RecordingInbound();
        start(config(1, new InetSocketAddress(SECOND, port), oneBook).withAdvertisedAddress(advertised), second);
        sendUntilDelivered(two, 1, second, 1);
    }

    /** What the book does not hold is looked up elsewhere at each attempt, not once. */
    @Test
    void anUnknownPeerIsLookedUpAtEachAttempt() throws Exception {
        RecordingInbound received = new RecordingInbound();
        RaftTransport two = start(config(2, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new AddressBook()), received);
        AddressBook book = new AddressBook();
        AtomicInteger lookups = new AtomicInteger();
        AtomicReference<Optional<InetSocketAddress>> directory = new AtomicReference<>(Optional.empty());
        book.lookUpUnknownIn(node -> {
            lookups.incrementAndGet();
            return node == 2 ? directory.get() : Optional.empty();
        });
        RaftTransport one = start(config(1, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), book),
                new RecordingInbound());
        one.send(1, sample(1, 2, 0));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (lookups.get() < 3) {
            assertTrue(System.nanoTime() < deadline, "the link stopped looking for node 2");
            Thread.sleep(5);
        }
        directory.set(Optional.of(InetSocketAddress.createUnresolved("127.0.0.1", two.localAddress().getPort())));
        sendUntilDelivered(one, 2, received, 1);
    }

    private TransportConfig config(long node, InetSocketAddress listen, AddressBook book) {
        return TransportConfig.defaults(node, listen, book).withResolver(resolver)
                .withReconnect(Duration.ofMillis(5), Duration.ofMillis(100));
    }

    private RaftTransport start(TransportConfig config, RecordingInbound inbound) {
        return nodes.start(config, inbound, TestNodes.refusingSnapshots(), false);
    }

    /** Sends one message at a time until {@code total} arrived: what went into a dead connection is lost. */
    private static void sendUntilDelivered(RaftTransport from, long to, RecordingInbound at, int total)
            throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        for (int i = 1; ; i++) {
            from.send(1, sample(from.nodeId(), to, i));
            try {
                at.await(total, Duration.ofMillis(50));
                return;
            } catch (AssertionError notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
            }
        }
    }

    /** A port free on both loopback aliases, so that the peer can come back on the same port. */
    private static int portFreeOnBoth() throws IOException {
        for (int attempt = 0; ; attempt++) {
            try (ServerSocket a = new ServerSocket(0, 1, FIRST);
                 ServerSocket b = new ServerSocket(a.getLocalPort(), 1, SECOND)) {
                return b.getLocalPort();
            } catch (IOException taken) {
                if (attempt == 20) {
                    throw taken;
                }
            }
        }
    }

    private static boolean bindable(InetAddress address) {
        try {
            new ServerSocket(0, 1, address).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static InetAddress address(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
