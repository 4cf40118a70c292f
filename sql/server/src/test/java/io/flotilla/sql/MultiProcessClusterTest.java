package io.flotilla.sql;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three nodes as separate JVM processes, as cluster-scripts run them: SQL through the driver,
 * kill -9 of the leader's process in the middle of the writes, a restart from its files, and
 * every write there on every node afterwards.
 */
class MultiProcessClusterTest {

    @Test
    void aKilledLeaderProcessIsReplacedAndRejoinsWithEveryWrite() throws Exception {
        try (LocalNodes nodes = LocalNodes.processes(3);
             Connection c = DriverManager.getConnection(nodes.url())) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE ORDERS(ID INT PRIMARY KEY, ITEM VARCHAR(20))");
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO ORDERS VALUES (?, ?)")) {
                for (int i = 0; i < 100; i++) {
                    insert.setInt(1, i);
                    insert.setString(2, "item-" + i);
                    assertEquals(1, insert.executeUpdate());
                }
                long leader = leader(c);
                nodes.kill(leader);
                for (int i = 100; i < 200; i++) {
                    insert.setInt(1, i);
                    insert.setString(2, "item-" + i);
                    assertEquals(1, insert.executeUpdate(), "write " + i + " after kill -9 of node " + leader);
                }
                nodes.start(leader);
                assertEquals(200, count(c), "the cluster holds every write");
                // The restarted node catches up from its log and the others.
                long deadline = System.nanoTime() + 30_000_000_000L;
                try (Connection local = DriverManager.getConnection(nodes.url(leader) + "?consistency=stale")) {
                    long seen;
                    while ((seen = count(local)) < 200) {
                        assertTrue(System.nanoTime() < deadline, "node " + leader + " stayed at " + seen + " rows");
                        Thread.sleep(50);
                    }
                }
                System.out.println("multi-process cluster: node " + leader
                        + " (leader) killed with SIGKILL after 100 writes; 100 more committed; it restarted and caught up");
            }
        }
    }

    /**
     * A leader that stops answering without closing anything (SIGSTOP: its sockets stay open, as
     * those of a host cut off from the network do) is given up by the driver on its link timeout,
     * and the writes go on at the new leader while it is still stopped; no socketTimeout is set.
     */
    @Test
    void writesGoOnWhileTheLeaderIsPausedWithoutASocketTimeout() throws Exception {
        try (LocalNodes nodes = LocalNodes.processes(3);
             Connection c = DriverManager.getConnection(nodes.url())) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE ORDERS(ID INT PRIMARY KEY, ITEM VARCHAR(20))");
            }
            ExecutorService writer = Executors.newSingleThreadExecutor();
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO ORDERS VALUES (?, ?)")) {
                for (int i = 0; i < 20; i++) {
                    insert.setInt(1, i);
                    insert.setString(2, "item-" + i);
                    assertEquals(1, insert.executeUpdate());
                }
                long leader = leader(c);
                nodes.pause(leader);
                long paused = System.nanoTime();
                long firstWriteNanos;
                try {
                    Future<Long> writes = writer.submit(() -> {
                        long first = 0;
                        for (int i = 20; i < 40; i++) {
                            insert.setInt(1, i);
                            insert.setString(2, "item-" + i);
                            assertEquals(1, insert.executeUpdate(), "write " + i + " with node " + leader + " paused");
                            first = first == 0 ? System.nanoTime() - paused : first;
                        }
                        return first;
                    });
                    // Far beyond the link timeout (one election timeout) and an election; without
                    // link liveness the driver waits for the paused node for ever.
                    firstWriteNanos = writes.get(30, TimeUnit.SECONDS);
                } finally {
                    nodes.resume(leader);
                }
                assertEquals(40, count(c), "every write once");
                System.out.printf("multi-process cluster: node %d (leader) paused with SIGSTOP; the first write "
                        + "after it was acknowledged in %d ms, 20 writes while it stayed paused%n", leader,
                        TimeUnit.NANOSECONDS.toMillis(firstWriteNanos));
            } finally {
                writer.shutdownNow();
            }
        }
    }

    private static long leader(Connection c) throws Exception {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT LEADER_ID FROM FLOTILLA.RANGES WHERE RANGE_ID = 2")) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }

    private static long count(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM ORDERS")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
