package io.flotilla.sql;

import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.range.SqlStates;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code consistency=bounded:<ms>} on a follower: served there only while the follower can show
 * it misses nothing committed more than the bound ago. Time is moved forward on the follower's
 * staleness clock, and the follower is cut off by cutting its Raft links: nothing here waits for
 * time to pass.
 */
class BoundedStalenessTest {

    private static final long BOUND_MILLIS = 60_000;
    private static final Duration PAST_THE_BOUND = Duration.ofMillis(BOUND_MILLIS + 1_000);

    /** A row's value and the node that ran the query (FLOTILLA.REPLICAS reports the node it is read on). */
    private record Read(int value, long servedBy) {
    }

    @Test
    void aFollowerCutOffFromTheLeaderDoesNotServeOnceTheBoundHasPassed() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            long leader = setUp(nodes);
            long follower = leader == 1 ? 2 : 1;
            write(nodes, leader, 1);
            caughtUp(nodes, leader, follower);
            try (Connection c = DriverManager.getConnection(nodes.url(follower) + "?consistency=bounded:" + BOUND_MILLIS)) {
                assertEquals(new Read(1, follower), read(c), "a healthy follower serves the read itself");

                nodes.node(follower).cutRaftLinks();
                write(nodes, leader, 2);
                assertEquals(new Read(1, follower), read(c),
                        "within the bound the follower may still serve what it has, though it is cut off");

                nodes.stalenessClock(follower).forward(PAST_THE_BOUND);
                try {
                    Read after = read(c);
                    assertNotEquals(follower, after.servedBy(), "the cut-off follower served a read older than the bound");
                    assertEquals(2, after.value(), "the node that served it saw the latest write");
                    System.out.println("bounded read on cut-off node " + follower + " past the bound: served by node "
                            + after.servedBy());
                } catch (SQLException e) {
                    assertTrue(Set.of(SqlStates.UNAVAILABLE, SqlStates.NOT_LEADER).contains(e.getSQLState()),
                            "not served stale, but failed with " + e.getSQLState() + ": " + e.getMessage());
                    System.out.println("bounded read on cut-off node " + follower + " past the bound failed: "
                            + e.getSQLState());
                }
            }
        }
    }

    @Test
    void aHealthyFollowerServesBoundedReadsItselfAndNothingOlderThanTheBound() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            long leader = setUp(nodes);
            long follower = leader == 1 ? 2 : 1;
            write(nodes, leader, 1);
            caughtUp(nodes, leader, follower);
            try (Connection c = DriverManager.getConnection(nodes.url(follower) + "?consistency=bounded:" + BOUND_MILLIS)) {
                assertEquals(new Read(1, follower), read(c),
                        "served by the follower, with the write that committed before the read began");

                write(nodes, leader, 2);
                caughtUp(nodes, leader, follower);
                // What the follower learned of the leader at the first read is now older than the bound.
                nodes.stalenessClock(follower).forward(PAST_THE_BOUND);
                assertEquals(new Read(2, follower), read(c),
                        "the follower asked the leader again and serves the write it has applied since");
            }
        }
    }

    /** Creates the table through any node; returns the data range's leader. */
    private static long setUp(LocalNodes nodes) throws Exception {
        try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE KV(K INT PRIMARY KEY, V INT)");
            s.executeUpdate("INSERT INTO KV VALUES (1, 0)");
        }
        for (long id = 1; id <= 3; id++) {
            if (nodes.node(id).replica(Node.DATA_RANGE).serving()) {
                return id;
            }
        }
        throw new AssertionError("no node serves the data range after a write committed");
    }

    private static void write(LocalNodes nodes, long leader, int value) throws Exception {
        try (Connection c = DriverManager.getConnection(nodes.url(leader)); Statement s = c.createStatement()) {
            assertEquals(1, s.executeUpdate("UPDATE KV SET V = " + value + " WHERE K = 1"));
        }
    }

    /** Waits (woken by the follower's apply, not by polling) until the follower applied all the leader has. */
    private static void caughtUp(LocalNodes nodes, long leader, long follower) throws InterruptedException {
        long target = nodes.node(leader).replica(Node.DATA_RANGE).applied();
        assertTrue(nodes.node(follower).replica(Node.DATA_RANGE).awaitApplied(target, TimeUnit.SECONDS.toNanos(10)),
                "node " + follower + " did not apply index " + target);
    }

    private static Read read(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT V, (SELECT MAX(REPORTED_BY) FROM FLOTILLA.REPLICAS) FROM KV WHERE K = 1")) {
            assertTrue(rs.next());
            return new Read(rs.getInt(1), rs.getLong(2));
        }
    }
}
