package io.flotilla.sql;

import io.flotilla.raft.host.GroupFailure;
import io.flotilla.sql.node.Node;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A replica that cannot apply a committed entry stops loudly and alone: the node records why (with
 * the range, index and entry), FLOTILLA.REPLICAS on that node shows it FAILED, and the range keeps
 * taking writes from the other two replicas. The failure is provoked the way a real one would show:
 * a follower whose rows diverged from the leader's (changed behind Flotilla's back) meets a change
 * set whose old image it does not hold.
 */
class FailedReplicaTest {

    @Test
    void aReplicaThatCannotApplyStopsAloneAndSaysWhy() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE NOTES(ID INT PRIMARY KEY, TEXT VARCHAR(40))");
                s.execute("INSERT INTO NOTES VALUES (1, 'original')");
            }
            long leader = nodes.awaitServing();
            long diverged = leader == 1 ? 2 : 1;
            Node follower = nodes.node(diverged);
            Eventually.await("node " + diverged + " applied the insert", () -> count(follower, "SELECT COUNT(*) FROM NOTES") == 1);
            try (Connection direct = follower.replica(Node.DATA_RANGE).store().connect(); Statement s = direct.createStatement()) {
                s.execute("UPDATE NOTES SET TEXT = 'changed behind its back' WHERE ID = 1");
            }

            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                assertEquals(1, s.executeUpdate("UPDATE NOTES SET TEXT = 'updated' WHERE ID = 1"));
                Eventually.await("node " + diverged + " records its failure",
                        () -> follower.host().failure(Node.DATA_RANGE).isPresent());
                GroupFailure failure = follower.host().failure(Node.DATA_RANGE).orElseThrow();
                assertTrue(failure.reason().contains("range 2 cannot apply entry")
                        && failure.reason().contains("differs from the leader's image"), failure.reason());

                // The other two still form a quorum: writes go on, and the leader did not move.
                for (int i = 2; i <= 21; i++) {
                    assertEquals(1, s.executeUpdate("INSERT INTO NOTES VALUES (" + i + ", 'after')"));
                }
                assertEquals(leader, nodes.awaitServing());
            }

            try (Connection direct = follower.replica(Node.DATA_RANGE).store().connect(); Statement s = direct.createStatement();
                 ResultSet rs = s.executeQuery("SELECT ROLE, FAILURE FROM FLOTILLA.REPLICAS WHERE RANGE_ID = 2 AND REPORTED_BY = "
                         + diverged)) {
                assertTrue(rs.next(), "the failed replica has a row");
                assertEquals("FAILED", rs.getString(1));
                assertTrue(rs.getString(2).contains("cannot apply entry"), rs.getString(2));
            }
            // Clients that reach the failed node are served by the leader through it.
            try (Connection c = DriverManager.getConnection(nodes.url(diverged)); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM NOTES")) {
                rs.next();
                assertEquals(21, rs.getInt(1));
            }
        }
    }


    private static long count(Node node, String sql) throws Exception {
        try (Connection c = node.replica(Node.DATA_RANGE).store().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
