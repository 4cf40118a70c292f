package io.flotilla.raft.transport;

import static io.flotilla.raft.transport.RaftTransportMessagesTest.sample;
import static io.flotilla.raft.transport.TestNodes.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.testing.FaultyProxy;
import io.flotilla.raft.wire.Frame;
import io.flotilla.raft.wire.FrameCodec;
import io.flotilla.raft.wire.GroupMessage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RaftTransportFailureTest {

    private final TestNodes nodes = new TestNodes();

    @AfterEach
    void close() {
        nodes.close();
    }

    @Test
    void reconnectsAfterThePeerRestarts() throws Exception {
        var one = nodes.start(1, new RecordingInbound());
        var first = new RecordingInbound();
        var two = nodes.start(2, first);
        one.send(1, sample(1, 2, 0));
        first.await(1, TIMEOUT);

        InetSocketAddress address = two.localAddress();
        two.close();
        var second = new RecordingInbound();
        nodes.start(nodes.config(2).withListenAddress(address), second, TestNodes.refusingSnapshots(), false);

        // What was written into the dead connection is lost, as Raft expects; so keep sending, as Raft would.
        sendUntilDelivered(one, second, 2);
        assertTrue(one.stats(2).connects() >= 2, "connects: " + one.stats(2).connects());
    }

    @Test
    void aMalformedFrameClosesOnlyThatConnection() throws Exception {
        var one = nodes.start(1, new RecordingInbound());
        var received = new RecordingInbound();
        var two = nodes.start(2, received);
        one.send(1, sample(1, 2, 0));
        received.await(1, TIMEOUT);

        try (Socket raw = connect(two)) {
            var out = new DataOutputStream(raw.getOutputStream());
            out.writeInt(3);
            out.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
            out.flush();
            assertClosedByPeer(raw);
        }
        assertEquals(1, two.inboundStats().failedConnections());

        one.send(1, sample(1, 2, 1));
        assertEquals(new GroupMessage(1, sample(1, 2, 1)), received.await(2, TIMEOUT).get(1));
        assertEquals(1, one.stats(2).connects(), "the healthy connection was never cut");
    }

    @Test
    void anOversizedFrameClosesThatConnectionWithoutReadingIt() throws Exception {
        UnaryOperator<TransportConfig> small = c -> c.withSnapshotChunkBytes(1024).withMaxFrameBytes(4096);
        var one = nodes.start(1, new RecordingInbound(), TestNodes.refusingSnapshots(), small);
        var received = new RecordingInbound();
        var two = nodes.start(2, received, TestNodes.refusingSnapshots(), small);

        try (Socket raw = connect(two)) {
            var out = new DataOutputStream(raw.getOutputStream());
            out.write(helloFrame(3, 2));
            out.writeInt(4097); // one byte over; the body never follows
            out.flush();
            assertClosedByPeer(raw);
        }
        assertEquals(1, two.inboundStats().failedConnections());
        one.send(1, sample(1, 2, 0));
        received.await(1, TIMEOUT);
    }

    @Test
    void aHelloMeantForAnotherNodeIsRefused() throws Exception {
        var two = nodes.start(2, new RecordingInbound());
        try (Socket raw = connect(two)) {
            raw.getOutputStream().write(helloFrame(1, 9));
            assertClosedByPeer(raw);
        }
        assertEquals(1, two.inboundStats().failedConnections());
    }

    @Test
    void aCutConnectionIsReestablished() throws Exception {
        var received = new RecordingInbound();
        var two = nodes.start(2, received);
        try (FaultyProxy proxy = FaultyProxy.start(two.localAddress())) {
            nodes.book.put(2, proxy.address());
            var one = nodes.start(1, new RecordingInbound());
            one.send(1, sample(1, 2, 0));
            received.await(1, TIMEOUT);

            proxy.cutAll();
            sendUntilDelivered(one, received, 2);
            assertTrue(proxy.connectionsAccepted() >= 2);
        }
    }

    /**
     * A connection given up because its peer fell silent is dialled anew at once, and messages go
     * on over the new one. (What the old socket still held is discarded by the kernel on the
     * abortive close; the network tests' flapping link shows that end to end.)
     */
    @Test
    void aReplacedConnectionIsDialledAnew() throws Exception {
        var received = new RecordingInbound();
        nodes.start(2, received);
        var one = nodes.start(1, new RecordingInbound());
        one.send(1, sample(1, 2, 0));
        received.await(1, TIMEOUT);
        assertEquals(1, one.stats(2).connects());

        one.replaceConnection(2);
        sendUntilDelivered(one, received, 2);
        assertEquals(2, one.stats(2).connects(), "one replacement, one new connection");
    }

    /** Sends one message at a time until one more arrives, waiting on delivery between sends. */
    private static void sendUntilDelivered(RaftTransport from, RecordingInbound to, int total) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        int i = 1;
        while (true) {
            from.send(1, sample(from.nodeId(), 2, i++));
            try {
                to.await(total, Duration.ofMillis(50));
                return;
            } catch (AssertionError notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
            }
        }
    }

    private static Socket connect(RaftTransport node) throws IOException {
        Socket s = new Socket(node.localAddress().getAddress(), node.localAddress().getPort());
        s.setSoTimeout((int) TIMEOUT.toMillis());
        return s;
    }

    private static byte[] helloFrame(long from, long to) throws IOException {
        byte[] hello = FrameCodec.encode(new Frame.Hello(from, to));
        var bytes = new java.io.ByteArrayOutputStream();
        var out = new DataOutputStream(bytes);
        out.writeInt(hello.length);
        out.write(hello);
        return bytes.toByteArray();
    }

    /** The node closes the connection: reads end (or reset) long before the socket timeout. */
    private static void assertClosedByPeer(Socket raw) throws IOException {
        InputStream in = raw.getInputStream();
        try {
            assertEquals(-1, in.read());
        } catch (java.net.SocketException reset) {
            // a reset is a close too
        }
    }
}
