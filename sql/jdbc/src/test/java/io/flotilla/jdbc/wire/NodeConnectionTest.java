package io.flotilla.jdbc.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.flotilla.jdbc.fake.FakeCluster;
import io.flotilla.jdbc.fake.FakeNode;
import io.flotilla.jdbc.protocol.Hello;
import io.flotilla.jdbc.protocol.Ping;
import io.flotilla.jdbc.protocol.Request;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class NodeConnectionTest {
    private static final Hello HELLO = Hello.newBuilder().setSessionId(ByteString.copyFrom(new byte[16]))
            .setClient("test").build();

    @Test
    void saysHelloAndCalls() throws Exception {
        try (FakeCluster cluster = new FakeCluster()) {
            FakeNode node = cluster.startNode();
            try (NodeConnection c = NodeConnection.open(node.address(), HELLO, 1000, 1000)) {
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
                    () -> NodeConnection.open(address, HELLO, 1000, 1000));
            assertEquals(SqlStates.CONNECTION_FAILURE, e.getSQLState());
            assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
            peer.join(5000);
        }
    }

    @Test
    void aClosedPeerBreaksTheConnectionForGood() throws Exception {
        try (FakeCluster cluster = new FakeCluster()) {
            FakeNode node = cluster.startNode();
            NodeConnection c = NodeConnection.open(node.address(), HELLO, 1000, 1000);
            node.dropClients();
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
                () -> NodeConnection.open(new HostAddress("127.0.0.1", port), HELLO, 1000, 1000));
        assertEquals("08001", e.getSQLState());
    }
}
