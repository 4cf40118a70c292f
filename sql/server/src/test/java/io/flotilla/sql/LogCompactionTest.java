package io.flotilla.sql;

import io.flotilla.raft.core.Raft;
import io.flotilla.sql.node.LogCompaction;
import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.changes.ContentDigest;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nodes compact their ranges' logs by themselves once past the policy's threshold (50 entries
 * here), and a node killed afterwards is rebuilt from its own log's snapshot image and the entries
 * after it: a new, empty H2 database filled from the image, a log that no longer holds the entries
 * before it, and the very rows the others hold.
 */
class LogCompactionTest {

    private static final LogCompaction.Policy SMALL = new LogCompaction.Policy(50, 64L << 20, Duration.ofMillis(100));
    private static final int ROWS = 300;

    @Test
    void nodesCompactTheirLogsAndACrashedNodeIsRebuiltFromItsImage() throws Exception {
        try (LocalNodes nodes = LocalNodes.withLogCompaction(3, SMALL);
             Connection c = DriverManager.getConnection(nodes.url())) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE ORDERS(ID INT PRIMARY KEY, ITEM VARCHAR(20))");
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO ORDERS VALUES (?, ?)")) {
                for (int i = 0; i < ROWS; i++) {
                    insert.setInt(1, i);
                    insert.setString(2, "item-" + i);
                    assertEquals(1, insert.executeUpdate());
                }
            }
            long leader = nodes.awaitServing();
            long victim = leader == 1 ? 2 : 1;
            Eventually.await("every node compacted its data range's log past the inserts", () -> {
                for (long id = 1; id <= 3; id++) {
                    if (snapshotIndex(nodes.node(id)) < ROWS / 2) {
                        return false;
                    }
                }
                return true;
            });
            // Settled: the victim has applied all the leader has, so the rows to compare stand still.
            Eventually.await("node " + victim + " applied all the leader did", () ->
                    applied(nodes.node(victim)) == applied(nodes.node(leader)));

            Path databaseBefore = nodes.node(victim).replica(Node.DATA_RANGE).store().databaseDirectory();
            long snapshot = snapshotIndex(nodes.node(victim));
            nodes.crash(victim);
            nodes.start(victim);
            Node restarted = nodes.node(victim);

            assertNotEquals(databaseBefore, restarted.replica(Node.DATA_RANGE).store().databaseDirectory(),
                    "the crashed database was replaced by a new one, not resumed");
            // The image was restored while the range started, before it could hear from any leader.
            long appliedAtStart = applied(restarted);
            assertTrue(appliedAtStart >= snapshot, "started from its image at " + snapshot + ": applied " + appliedAtStart);
            long firstIndex = restarted.host().inspect(Node.DATA_RANGE, Raft::firstIndex).get(5, TimeUnit.SECONDS);
            assertTrue(firstIndex > snapshot, "its log starts after the image (" + snapshot + "): first index " + firstIndex);

            Eventually.await("node " + victim + " caught up with the leader", () ->
                    applied(nodes.node(victim)) == applied(nodes.node(leader)));
            try (Connection rebuilt = restarted.replica(Node.DATA_RANGE).store().connect();
                 Connection reference = nodes.node(leader).replica(Node.DATA_RANGE).store().connect()) {
                assertEquals(ROWS, count(rebuilt));
                assertEquals(ContentDigest.ofRows(reference), ContentDigest.ofRows(rebuilt), "the same rows as the leader");
            }
            System.out.println("log compaction: node " + victim + " crashed with its log compacted to " + snapshot
                    + "; restarted from the image (applied " + appliedAtStart + " at start, first log index " + firstIndex
                    + ") and holds the leader's " + ROWS + " rows");
        }
    }

    private static long snapshotIndex(Node node) throws Exception {
        return node.host().inspect(Node.DATA_RANGE, Raft::firstIndex).get(5, TimeUnit.SECONDS) - 1;
    }

    private static long applied(Node node) {
        return node.replica(Node.DATA_RANGE).applied();
    }

    private static long count(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM ORDERS")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
