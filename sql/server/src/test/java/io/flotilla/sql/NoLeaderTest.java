package io.flotilla.sql;

import io.flotilla.sql.node.Node;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node that can reach no leader says so, with 08F02 after its route deadline (two election
 * timeouts), for any statement, and the driver backs off and asks again until its failover timeout.
 * The node used to answer the first statement of a transaction at once with 40001 ("rolled back")
 * although nothing had been sent anywhere, and an application told to retry asked again at once,
 * in a loop.
 */
class NoLeaderTest {

    @Test
    void aStatementOnANodeThatReachesNoLeaderGetsUnavailable() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE NOTES(ID INT PRIMARY KEY)");
            }
            long leader = nodes.awaitServing();
            long alone = leader == 1 ? 2 : 1;
            for (long id = 1; id <= 3; id++) {
                if (id != alone) {
                    nodes.stop(id);
                }
            }
            Node left = nodes.node(alone);
            // The driver retries 08F02 until its failover timeout, then reports it.
            String url = "jdbc:flotilla://127.0.0.1:" + left.sqlAddress().getPort() + "?failoverTimeout=4000";
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                SQLException refused = assertThrows(SQLException.class, () -> s.executeUpdate("INSERT INTO NOTES VALUES (1)"));
                assertEquals("08F02", refused.getSQLState(), refused.getMessage());
            }
            // A failover timeout shorter than the node's own wait for a route (two election timeouts,
            // 600 ms here): the driver sends what is left of it, and the node answers by then, so
            // that the call ends at the client's deadline rather than at the node's.
            String hurried = "jdbc:flotilla://127.0.0.1:" + left.sqlAddress().getPort() + "?failoverTimeout=150";
            try (Connection c = DriverManager.getConnection(hurried); Statement s = c.createStatement()) {
                SQLException refused = assertThrows(SQLException.class, () -> s.executeUpdate("INSERT INTO NOTES VALUES (2)"));
                assertEquals("08F02", refused.getSQLState(), refused.getMessage());
                assertTrue(refused.getMessage().contains("within the client's failover budget"), refused.getMessage());
            }
        }
    }
}
