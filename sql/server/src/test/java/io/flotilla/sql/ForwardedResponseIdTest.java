package io.flotilla.sql;

import io.flotilla.sql.node.Node;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regression test: a request a follower answers itself (Ping, from Connection.isValid), followed
 * by one it forwards to the leader. The forwarded answer must carry the client's request id, not
 * the id of the follower's own link to the leader; otherwise the driver waits for an answer that
 * never comes (here: until the 5 s socket timeout, 08006). Found by ConnectionPoolTest (HikariCP
 * validates with isValid); fixed in main while these tests were written.
 */
class ForwardedResponseIdTest {

    private static LocalNodes nodes;

    @BeforeAll
    static void start() throws Exception {
        nodes = new LocalNodes(3);
    }

    @AfterAll
    static void stop() throws Exception {
        nodes.close();
    }

    @Test
    void aForwardedAnswerCarriesTheClientsRequestId() throws Exception {
        long follower = followerOfDataRange();
        String url = "jdbc:flotilla://" + nodes.node(follower).sqlAddress().getHostString() + ":"
                + nodes.node(follower).sqlAddress().getPort() + "?socketTimeout=5000";
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            assertTrue(c.isValid(1), "Ping, answered by the follower itself");
            s.execute("CREATE TABLE FORWARDED_ID(ID INT PRIMARY KEY)");   // forwarded to the leader: hangs today
        }
    }

    private static long followerOfDataRange() throws Exception {
        return nodes.awaitServing() == 1 ? 2 : 1;
    }
}
