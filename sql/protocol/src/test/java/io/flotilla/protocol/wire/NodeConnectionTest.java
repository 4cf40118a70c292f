package io.flotilla.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.Ack;
import io.flotilla.protocol.Execute;
import io.flotilla.protocol.ExecuteResult;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.HelloResult;
import io.flotilla.protocol.NodeAddress;
import io.flotilla.protocol.Ping;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class NodeConnectionTest {
    private static final Hello HELLO = Hello.newBuilder().setSessionId(ByteString.copyFrom(new byte[16]))
            .setClient("test").build();

    @Test
    void saysHelloAndCalls() throws Exception {
        try (ScriptedNode node = new ScriptedNode(0, Behaviour.ANSWERS)) {
            try (NodeConnection c = NodeConnection.open(node.address(), HELLO, 1000, 1000, 0)) {
                assertEquals(1, c.helloResult().getClusterCount());
                assertTrue(c.call(Request.newBuilder().setPing(Ping.getDefaultInstance())).hasAck());
                assertTrue(c.call(Request.newBuilder().setPing(Ping.getDefaultInstance())).hasAck());
                // Ids are assigned per connection: Hello 1, then 2, 3.
                assertEquals(3, node.requests.get(2).getId());
                assertEquals(1, node.requests.get(0).getHello().getVersion());
            }
        }
    }

    @Test
    void refusesOversizedFramesAndStaysBroken() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread peer = new Thread(() -> {
                try (Socket s = server.accept()) {
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    in.readFully(new byte[in.readInt()]);
                    new DataOutputStream(s.getOutputStream()).writeInt(Frames.MAX_FRAME_BYTES + 1);
                    s.getInputStream().read();   // wait for the client to hang up
                } catch (IOException ignored) {
                    // test over
                }
            });
            peer.start();
            HostAddress address = new HostAddress("127.0.0.1", server.getLocalPort());
            NodeConnectionException e = assertThrows(NodeConnectionException.class,
                    () -> NodeConnection.open(address, HELLO, 1000, 1000, 0));
            assertEquals(SqlStates.CONNECTION_FAILURE, e.getSQLState());
            assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
            peer.join(5000);
        }
    }

    @Test
    void aClosedPeerBreaksTheConnectionForGood() throws Exception {
        try (ScriptedNode node = new ScriptedNode(0, Behaviour.ANSWERS)) {
            NodeConnection c = NodeConnection.open(node.address(), HELLO, 1000, 1000, 0);
            node.dropClient();
            SQLException first = assertThrows(NodeConnectionException.class,
                    () -> c.call(Request.newBuilder().setPing(Ping.getDefaultInstance())));
            assertEquals("08006", first.getSQLState());
            assertTrue(c.isBroken());
            SQLException second = assertThrows(NodeConnectionException.class,
                    () -> c.call(Request.newBuilder().setPing(Ping.getDefaultInstance())));
            assertEquals("08006", second.getSQLState());
            c.close();
        }
    }

    @Test
    void anUnreachableNodeIs08001() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        NodeConnectionException e = assertThrows(NodeConnectionException.class,
                () -> NodeConnection.open(new HostAddress("127.0.0.1", port), HELLO, 1000, 1000, 0));
        assertEquals("08001", e.getSQLState());
    }

    /** A node whose link stays open but carries nothing: cut off, paused, or gone without a reset. */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aSilentNodeBreaksTheLinkAfterItsLinkTimeout() throws Exception {
        try (ScriptedNode node = new ScriptedNode(200, Behaviour.SILENT)) {
            NodeConnection c = NodeConnection.open(node.address(), HELLO, 1000, 0, 0);
            assertEquals(200, c.liveness().timeoutMillis());
            NodeConnectionException e = assertThrows(NodeConnectionException.class, () -> c.call(EXECUTE));
            assertEquals(SqlStates.CONNECTION_FAILURE, e.getSQLState());
            assertFalse(e.timedOut(), "a dead link is not the network timeout: the request may go elsewhere");
            assertTrue(e.getMessage().contains("the link counts as dead"), e.getMessage());
            assertTrue(c.isBroken());
            assertTrue(node.keepAlives.get() >= 1, "the quiet link was probed first");
        }
    }

    /** A statement that runs long on a node that is there: the link is kept, however long. */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aNodeThatAnswersKeepAlivesIsWaitedFor() throws Exception {
        try (ScriptedNode node = new ScriptedNode(200, Behaviour.SLOW_BUT_ALIVE)) {
            try (NodeConnection c = NodeConnection.open(node.address(), HELLO, 1000, 0, 0)) {
                Response answer = c.call(EXECUTE);
                assertTrue(answer.hasExecute(), answer.toString());
                assertTrue(node.keepAlives.get() >= 2, "kept alive " + node.keepAlives.get() + " times");
                // The keep-alives' own answers are behind it; the next call skips them.
                assertTrue(c.call(EXECUTE).hasExecute());
            }
        }
    }

    /** JDBC's network timeout still ends a call that a live node is slow to answer. */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void theNetworkTimeoutEndsACallOnALiveNode() throws Exception {
        try (ScriptedNode node = new ScriptedNode(200, Behaviour.SLOW_BUT_ALIVE)) {
            NodeConnection c = NodeConnection.open(node.address(), HELLO, 1000, 300, 0);
            NodeConnectionException e = assertThrows(NodeConnectionException.class, () -> c.call(EXECUTE));
            assertTrue(e.timedOut(), e.getMessage());
            assertTrue(e.getMessage().contains("network timeout of 300 ms"), e.getMessage());
        }
    }

    /** The client's own link timeout wins over the node's. */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aClientsLinkTimeoutOverridesTheNodes() throws Exception {
        try (ScriptedNode node = new ScriptedNode(200, Behaviour.SLOW_BUT_ALIVE)) {
            try (NodeConnection c = NodeConnection.open(node.address(), HELLO, 1000, 0, 5000)) {
                assertEquals(5000, c.liveness().timeoutMillis());
            }
        }
    }

    private static final Request.Builder EXECUTE = Request.newBuilder()
            .setExecute(Execute.newBuilder().setSql("SELECT 1").setAutoCommit(true));

    private enum Behaviour {
        /** Answers Ping and keep-alives at once (and nothing else). */
        ANSWERS,
        /** After Hello, reads on but answers nothing, not even keep-alives. */
        SILENT,
        /** Answers keep-alives at once and an Execute after a second, five link timeouts. */
        SLOW_BUT_ALIVE
    }

    /**
     * A node on a ServerSocket that serves one client: answers Hello with itself as the whole
     * cluster and a link timeout, then behaves as told.
     */
    private static final class ScriptedNode implements AutoCloseable {
        final AtomicInteger keepAlives = new AtomicInteger();
        /** Every request received, in order (Hello included). */
        final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
        private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final Thread thread;
        private final int linkTimeoutMillis;
        private final Behaviour behaviour;
        private volatile Socket client;

        ScriptedNode(int linkTimeoutMillis, Behaviour behaviour) throws IOException {
            this.linkTimeoutMillis = linkTimeoutMillis;
            this.behaviour = behaviour;
            thread = new Thread(this::serve, "scripted-node");
            thread.setDaemon(true);
            thread.start();
        }

        HostAddress address() {
            return new HostAddress("127.0.0.1", server.getLocalPort());
        }

        /** Closes the client's connection without a word, as a crashed node's kernel would. */
        void dropClient() throws IOException {
            client.close();
        }

        private void serve() {
            try (Socket s = server.accept()) {
                client = s;
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                while (true) {
                    Request r = Request.parseFrom(Frames.read(in));
                    requests.add(r);
                    switch (r.getKindCase()) {
                        case HELLO -> answer(out, Response.newBuilder().setId(r.getId()).setHello(HelloResult.newBuilder()
                                .setNodeId(1).setLinkTimeoutMillis(linkTimeoutMillis)
                                .addCluster(NodeAddress.newBuilder().setNodeId(1).setHost("127.0.0.1")
                                        .setPort(server.getLocalPort()))));
                        case PING -> {
                            if (behaviour != Behaviour.SILENT) {
                                answer(out, Response.newBuilder().setId(r.getId()).setAck(Ack.getDefaultInstance()));
                            }
                        }
                        case KEEP_ALIVE -> {
                            keepAlives.incrementAndGet();
                            if (behaviour != Behaviour.SILENT) {
                                answer(out, Response.newBuilder().setId(r.getId()).setAck(Ack.getDefaultInstance()));
                            }
                        }
                        case EXECUTE -> {
                            if (behaviour == Behaviour.SLOW_BUT_ALIVE) {
                                long id = r.getId();
                                Thread late = new Thread(() -> {
                                    try {
                                        Thread.sleep(5L * linkTimeoutMillis);
                                        answer(out, Response.newBuilder().setId(id).setExecute(ExecuteResult.getDefaultInstance()));
                                    } catch (InterruptedException | IOException e) {
                                        // the test is over
                                    }
                                });
                                late.setDaemon(true);
                                late.start();
                            }
                        }
                        default -> throw new IllegalStateException("unexpected " + r.getKindCase());
                    }
                }
            } catch (IOException e) {
                // the client hung up: the test is over
            }
        }

        private static void answer(OutputStream out, Response.Builder response) throws IOException {
            synchronized (out) {
                Frames.write(out, response.build().toByteArray());
                out.flush();
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            thread.interrupt();
        }
    }
}
