package io.flotilla.sql;

import io.flotilla.protocol.Execute;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input on the client port gets a clear error and costs nothing else: a frame that is no
 * Request is answered with 08P01, one above the request limit with 54000, and the connection
 * closed; a request before Hello is refused; a statement of several megabytes runs; a transaction
 * above the change-set limit fails whole with 54000 and the range goes on; thousands of idle
 * connections do not get in anyone's way. Other clients and the
 * data are untouched throughout.
 */
class ProtocolViolationTest {

    private static LocalNodes nodes;

    @BeforeAll
    static void start() throws Exception {
        nodes = new LocalNodes(3);
        try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE KEPT(ID INT PRIMARY KEY, V VARCHAR)");
            s.executeUpdate("INSERT INTO KEPT VALUES (1, 'before')");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        nodes.close();
    }

    private static Socket raw() throws Exception {
        InetSocketAddress a = nodes.node(1).sqlAddress();
        Socket socket = new Socket(a.getHostString(), a.getPort());
        socket.setSoTimeout(30_000);
        return socket;
    }

    private static Response readFrame(DataInputStream in) throws Exception {
        byte[] frame = new byte[in.readInt()];
        in.readFully(frame);
        return Response.parseFrom(frame);
    }

    private static void assertClosed(DataInputStream in) {
        assertThrows(EOFException.class, in::readInt, "the node closes the connection after a protocol violation");
    }

    private static void assertDataIntact() throws Exception {
        try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT V FROM KEPT WHERE ID = 1")) {
            assertTrue(rs.next());
            assertEquals("before", rs.getString(1));
        }
    }

    @Test
    void aFrameThatIsNoRequestGetsAProtocolError() throws Exception {
        try (Socket socket = raw(); DataOutputStream out = new DataOutputStream(socket.getOutputStream());
             DataInputStream in = new DataInputStream(socket.getInputStream())) {
            out.writeInt(6);
            out.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
            out.flush();
            Response answer = readFrame(in);
            assertEquals("08P01", answer.getError().getSqlState(), answer.toString());
            assertTrue(answer.getError().getMessage().contains("not a Request"), answer.getError().getMessage());
            assertClosed(in);
        }
        assertDataIntact();
    }

    @Test
    void aFrameAboveTheLimitIsRefusedBeforeItIsRead() throws Exception {
        try (Socket socket = raw(); DataOutputStream out = new DataOutputStream(socket.getOutputStream());
             DataInputStream in = new DataInputStream(socket.getInputStream())) {
            out.writeInt((16 << 20) + 1);
            out.write(new byte[1024]);
            out.flush();
            Response answer = readFrame(in);
            assertEquals("54000", answer.getError().getSqlState(), answer.toString());
            assertTrue(answer.getError().getMessage().contains("above"), answer.getError().getMessage());
            assertClosed(in);
        }
        assertDataIntact();
    }

    @Test
    void aRequestBeforeHelloIsRefused() throws Exception {
        try (Socket socket = raw(); DataOutputStream out = new DataOutputStream(socket.getOutputStream());
             DataInputStream in = new DataInputStream(socket.getInputStream())) {
            byte[] request = Request.newBuilder().setId(7)
                    .setExecute(Execute.newBuilder().setSql("DELETE FROM KEPT").setAutoCommit(true)).build().toByteArray();
            out.writeInt(request.length);
            out.write(request);
            out.flush();
            Response answer = readFrame(in);
            assertEquals(7, answer.getId());
            assertEquals("08P01", answer.getError().getSqlState(), answer.toString());
        }
        assertDataIntact();
    }

    @Test
    void aStatementOfSeveralMegabytesRuns() throws Exception {
        String big = "x".repeat(3 << 20);
        try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
            assertEquals(1, s.executeUpdate("INSERT INTO KEPT VALUES (2, '" + big + "')"));
            try (ResultSet rs = s.executeQuery("SELECT LENGTH(V) FROM KEPT WHERE ID = 2")) {
                assertTrue(rs.next());
                assertEquals(big.length(), rs.getInt(1));
            }
        }
        assertDataIntact();
    }

    /** A statement above the request limit is refused by the driver before it is sent; the connection goes on. */
    @Test
    void aValueAboveTheRequestLimitIsRefusedAndTheConnectionGoesOn() throws Exception {
        try (Connection c = DriverManager.getConnection(nodes.url());
             java.sql.PreparedStatement insert = c.prepareStatement("INSERT INTO KEPT VALUES (3, ?)")) {
            insert.setString(1, "x".repeat(20 << 20));
            SQLException tooLarge = assertThrows(SQLException.class, insert::executeUpdate);
            assertEquals("54000", tooLarge.getSQLState(), tooLarge.getMessage());
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM KEPT WHERE ID = 3")) {
                assertTrue(rs.next());
                assertEquals(0, rs.getInt(1));
            }
        }
        assertDataIntact();
    }

    /**
     * Thousands of clients that connect, say Hello and then nothing cost the others nothing: each
     * holds a channel and a session object, no thread and no H2 session, and a working client is
     * served as before. As many as this machine's file descriptor limit allows, up to 2,000.
     */
    @Test
    void thousandsOfIdleConnectionsCostTheOthersNothing() throws Exception {
        long limit = ((com.sun.management.UnixOperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getMaxFileDescriptorCount();
        long open = ((com.sun.management.UnixOperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getOpenFileDescriptorCount();
        // Each idle client is two descriptors in this JVM (its socket and the node's end).
        int count = (int) Math.min(2_000, (limit - open - 500) / 2);
        assertTrue(count >= 500, "too few file descriptors to mean anything: limit " + limit + ", open " + open);
        java.util.List<Socket> idle = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Socket socket = raw();
                idle.add(socket);
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                byte[] hello = Request.newBuilder().setId(1).setHello(io.flotilla.protocol.Hello.newBuilder()
                        .setSessionId(com.google.protobuf.ByteString.copyFromUtf8("idle-" + i))).build().toByteArray();
                out.writeInt(hello.length);
                out.write(hello);
                out.flush();
            }
            for (Socket socket : idle) {
                assertTrue(readFrame(new DataInputStream(socket.getInputStream())).hasHello());
            }
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE BUSY(ID INT PRIMARY KEY)");
                for (int i = 0; i < 50; i++) {
                    assertEquals(1, s.executeUpdate("INSERT INTO BUSY VALUES (" + i + ")"));
                }
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM BUSY")) {
                    assertTrue(rs.next());
                    assertEquals(50, rs.getInt(1));
                }
            }
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
        assertDataIntact();
    }

    /**
     * A change set far above the transaction limit (20 MB of row images and more) used to reach the log
     * and never reach a follower, wedging the range for good. It fails whole, before it is proposed,
     * and the next write commits.
     */
    @Test
    void aTransactionAboveTheLimitFailsWholeAndTheRangeGoesOn() throws Exception {
        try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE MANY(ID INT PRIMARY KEY, V VARCHAR)");
            SQLException tooLarge;
            int attempts = 0;
            do {
                // A leader change while the statement runs (a loaded machine) rolls it back with
                // 40001, which says nothing of the limit: ask again.
                tooLarge = assertThrows(SQLException.class,
                        () -> s.executeUpdate("INSERT INTO MANY SELECT X, REPEAT('v', 40) FROM SYSTEM_RANGE(1, 400000)"));
            } while ("40001".equals(tooLarge.getSQLState()) && ++attempts < 5);
            assertEquals("54000", tooLarge.getSQLState(), tooLarge.getMessage());
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM MANY")) {
                assertTrue(rs.next());
                assertEquals(0, rs.getInt(1), "nothing of it was written");
            }
            assertEquals(1000, s.executeUpdate("INSERT INTO MANY SELECT X, 'v' FROM SYSTEM_RANGE(1, 1000)"));
        }
        assertDataIntact();
    }
}
