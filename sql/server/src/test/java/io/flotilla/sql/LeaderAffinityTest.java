package io.flotilla.sql;

import io.flotilla.jdbc.FlotillaConnection;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.sql.node.Node;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A driver that entered through a follower moves to the leader the follower named, when every
 * statement of its session goes to the leader anyway (linearizable, outside a transaction); a
 * session whose reads followers may serve stays where it is, and a transaction stays on its link.
 */
class LeaderAffinityTest {

    private static LocalNodes nodes;
    private static long leader;
    private static long follower;

    @BeforeAll
    static void start() throws Exception {
        nodes = new LocalNodes(3);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (leader == 0) {
            for (long id = 1; id <= 3; id++) {
                if (nodes.node(id).replica(Node.DATA_RANGE).serving()) {
                    leader = id;
                }
            }
            assertTrue(System.nanoTime() < deadline, "no node serves the data range");
            Thread.onSpinWait();
        }
        follower = leader % 3 + 1;
        try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE VISITS(ID INT PRIMARY KEY, NOTE VARCHAR(20))");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        nodes.close();
    }

    /** A node's client address as the driver tells it: host:port. */
    private static String addressOf(long id) {
        InetSocketAddress a = nodes.node(id).sqlAddress();
        return new HostAddress(a.getHostString(), a.getPort()).toString();
    }

    @Test
    void aLinearizableSessionMovesToTheLeaderAfterItsFirstForwardedStatement() throws Exception {
        try (Connection c = DriverManager.getConnection(nodes.url(follower)); Statement s = c.createStatement()) {
            FlotillaConnection flotilla = c.unwrap(FlotillaConnection.class);
            assertEquals(addressOf(follower), flotilla.getCurrentNode());
            assertEquals(1, s.executeUpdate("INSERT INTO VISITS VALUES (1, 'forwarded')"));
            assertEquals(addressOf(leader), flotilla.getCurrentNode(), "the follower named the leader");
            assertEquals(1, s.executeUpdate("INSERT INTO VISITS VALUES (2, 'direct')"));
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM VISITS WHERE ID IN (1, 2)")) {
                rs.next();
                assertEquals(2, rs.getInt(1));
            }
        }
    }

    @Test
    void aSessionWhoseReadsFollowersServeStaysOnItsNode() throws Exception {
        try (Connection c = DriverManager.getConnection(nodes.url(follower) + "?consistency=session");
             Statement s = c.createStatement()) {
            FlotillaConnection flotilla = c.unwrap(FlotillaConnection.class);
            assertEquals(1, s.executeUpdate("INSERT INTO VISITS VALUES (3, 'session')"));
            assertEquals(addressOf(follower), flotilla.getCurrentNode());
            try (ResultSet rs = s.executeQuery("SELECT NOTE FROM VISITS WHERE ID = 3")) {
                assertTrue(rs.next(), "read-your-writes on the follower");
                assertEquals("session", rs.getString(1));
            }
        }
    }

    @Test
    void aTransactionStaysOnItsLinkUntilItEnds() throws Exception {
        try (Connection c = DriverManager.getConnection(nodes.url(follower)); Statement s = c.createStatement()) {
            FlotillaConnection flotilla = c.unwrap(FlotillaConnection.class);
            c.setAutoCommit(false);
            assertEquals(1, s.executeUpdate("INSERT INTO VISITS VALUES (4, 'in a transaction')"));
            assertEquals(1, s.executeUpdate("INSERT INTO VISITS VALUES (5, 'in a transaction')"));
            assertEquals(addressOf(follower), flotilla.getCurrentNode(), "a transaction does not move");
            c.commit();
            c.setAutoCommit(true);
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM VISITS WHERE ID IN (4, 5)")) {
                rs.next();
                assertEquals(2, rs.getInt(1), "the transaction committed");
            }
            assertEquals(addressOf(leader), flotilla.getCurrentNode(), "then the session moves");
        }
    }
}
