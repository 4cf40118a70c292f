package io.flotilla.sql;

import io.flotilla.sql.node.Node;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node joins a running cluster as a learner of the data range, catches up, and serves a
 * session's reads itself: read-your-writes through a replica that never votes.
 */
class LearnerReadTest {

    @Test
    void aLearnerServesSessionReadsThatSeeTheSessionsOwnWrites() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE NOTES(ID INT PRIMARY KEY, TEXT VARCHAR(20))");
                s.executeUpdate("INSERT INTO NOTES VALUES (0, 'before the learner')");
            }
            long learner = nodes.join();
            nodes.addLearner(Node.DATA_RANGE, learner);
            InetSocketAddress at = nodes.node(learner).sqlAddress();
            String url = "jdbc:flotilla://" + at.getHostString() + ":" + at.getPort() + "?consistency=session";
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                for (int i = 1; i <= 10; i++) {
                    s.executeUpdate("INSERT INTO NOTES VALUES (" + i + ", 'n" + i + "')");
                    try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM NOTES")) {
                        assertTrue(rs.next());
                        assertEquals(i + 1, rs.getInt(1), "read-your-writes through the learner");
                    }
                }
                long deadline = System.nanoTime() + 10_000_000_000L;
                long servedBy = 0;
                while (servedBy != learner && System.nanoTime() < deadline) {
                    try (ResultSet rs = s.executeQuery("SELECT MAX(REPORTED_BY) FROM FLOTILLA.REPLICAS")) {
                        rs.next();
                        servedBy = rs.getLong(1);
                    }
                }
                assertEquals(learner, servedBy, "the learner itself served the session's read");
                try (ResultSet rs = s.executeQuery("SELECT ROLE FROM FLOTILLA.REPLICAS WHERE RANGE_ID = 2 AND NODE_ID = "
                        + learner)) {
                    assertTrue(rs.next());
                    assertEquals("LEARNER", rs.getString(1));
                }
            }
        }
    }
}
