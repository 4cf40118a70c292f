package io.flotilla.sql;

import static io.flotilla.sql.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.sql.node.LogCompaction;
import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.changes.ContentDigest;
import io.flotilla.statemachine.range.RangeReplica;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code ALTER TABLE t SPLIT AT VALUES (...)} through the driver on a 3-node cluster: the data
 * range splits on every node, each statement goes to the range that holds its keys whichever node
 * it reaches, a query across both is answered whole, a single statement that would write in both is
 * refused and changes nothing, a transaction that writes in both commits in both, and a node that
 * restarts finds the new range again.
 */
class SplitAtTest {

    private static final long NEW_RANGE = 3;

    private static String text(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }

    private static long count(RangeReplica replica, String sql) throws SQLException {
        try (Connection c = replica.store().connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void awaitSplitEverywhere(LocalNodes nodes) throws Exception {
        await("every node holds both halves of the data range", () -> {
            for (long id = 1; id <= 3; id++) {
                Node node = nodes.node(id);
                if (!node.replicas().containsKey(NEW_RANGE) || node.replica(NEW_RANGE).bounds().isEmpty()
                        || node.replica(Node.DATA_RANGE).bounds().orElseThrow().generation() != 2) {
                    return false;
                }
            }
            return true;
        });
    }

    @Test
    void eachStatementGoesToTheRangeThatHoldsItsKeysFromEveryNode() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3);
             Connection c = DriverManager.getConnection(nodes.url(1));
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE T(ID INT PRIMARY KEY, V VARCHAR(20))");
            s.execute("CREATE TABLE U(ID INT PRIMARY KEY, V VARCHAR(20))");
            s.execute("INSERT INTO T SELECT X, 't' || X FROM SYSTEM_RANGE(0, 99)");
            s.execute("INSERT INTO U SELECT X, 'u' || X FROM SYSTEM_RANGE(0, 9)");

            s.execute("ALTER TABLE T SPLIT AT VALUES (50)");
            awaitSplitEverywhere(nodes);
            // Again, from every node (a resend whose first answer was lost): split there already, done.
            for (long id = 1; id <= 3; id++) {
                try (Connection n = DriverManager.getConnection(nodes.url(id)); Statement t = n.createStatement()) {
                    assertEquals(0, t.executeUpdate("ALTER TABLE T SPLIT AT VALUES (50)"), "node " + id);
                }
            }
            assertEquals(2, nodes.node(1).replicas().size() - 1, "no range beside the two data ranges and meta");
            for (long id = 1; id <= 3; id++) {
                assertEquals(50, count(nodes.node(id).replica(Node.DATA_RANGE), "SELECT COUNT(*) FROM T"));
                assertEquals(50, count(nodes.node(id).replica(NEW_RANGE), "SELECT COUNT(*) FROM T"));
                assertEquals(10, count(nodes.node(id).replica(NEW_RANGE), "SELECT COUNT(*) FROM U"));
            }

            for (long id = 1; id <= 3; id++) {
                try (Connection n = DriverManager.getConnection(nodes.url(id)); Statement t = n.createStatement()) {
                    assertEquals("t70", text(t, "SELECT V FROM T WHERE ID = 70"), "node " + id);
                    assertEquals("t10", text(t, "SELECT V FROM T WHERE ID = 10"), "node " + id);
                    assertEquals("10", text(t, "SELECT COUNT(*) FROM U"), "a table wholly in the new range, node " + id);
                    assertEquals(1, t.executeUpdate("UPDATE T SET V = 'n" + id + "' WHERE ID = " + (60 + id)));
                    assertEquals(1, t.executeUpdate("UPDATE T SET V = 'n" + id + "' WHERE ID = " + (20 + id)));
                    assertEquals(2, t.executeUpdate("INSERT INTO T VALUES (" + (200 + id) + ", 'a'), (" + (210 + id) + ", 'b')"));
                    assertEquals(1, t.executeUpdate("INSERT INTO T VALUES (" + (-id) + ", 'neg')"));
                    try (PreparedStatement p = n.prepareStatement("SELECT V FROM T WHERE ID = ?")) {
                        p.setInt(1, 60 + (int) id);
                        try (ResultSet rs = p.executeQuery()) {
                            assertTrue(rs.next());
                            assertEquals("n" + id, rs.getString(1));
                        }
                    }
                }
            }

            // The view, on a node whose session last ran in the new range.
            assertEquals("t70", text(s, "SELECT V FROM T WHERE ID = 70"));
            try (ResultSet rs = s.executeQuery("SELECT RANGE_ID, GENERATION FROM FLOTILLA.RANGES ORDER BY RANGE_ID")) {
                StringBuilder rows = new StringBuilder();
                while (rs.next()) {
                    rows.append(rs.getLong(1)).append(':').append(rs.getLong(2)).append(' ');
                }
                assertEquals("1:1 2:2 3:2 ", rows.toString());
            }
            try (ResultSet rs = s.executeQuery("SHOW RANGES FROM TABLE T")) {
                assertTrue(rs.next());
                assertEquals(Node.DATA_RANGE, rs.getLong("RANGE_ID"));
                assertTrue(rs.getLong("ROWS") >= 50, "the lower half's rows, as this node's replica counts them");
                assertTrue(rs.next());
                assertTrue(rs.getLong("ROWS") >= 60, "the upper half's, and all of U");
                assertEquals(NEW_RANGE, rs.getLong("RANGE_ID"));
                assertEquals(2, rs.getLong("GENERATION"));
                assertFalse(rs.next(), "T lies in two ranges");
            }
            try (ResultSet rs = s.executeQuery("SHOW RANGES FROM TABLE U")) {
                assertTrue(rs.next());
                assertEquals(NEW_RANGE, rs.getLong("RANGE_ID"));
                assertFalse(rs.next(), "U lies wholly above the split");
            }

            assertEquals("109", text(s, "SELECT COUNT(*) FROM T"), "a query across ranges: 100 rows, 9 inserted");
            SQLException insertAcross = assertThrows(SQLException.class,
                    () -> s.executeUpdate("INSERT INTO T VALUES (30, 'x'), (300, 'y')"));
            assertEquals("0A000", insertAcross.getSQLState(), insertAcross.getMessage());
            SQLException ddl = assertThrows(SQLException.class, () -> s.execute("ALTER TABLE T ADD CONSTRAINT T_V UNIQUE(V)"));
            assertEquals("0A000", ddl.getSQLState(), "a constraint checked against each range's own rows: " + ddl.getMessage());

            c.setAutoCommit(false);
            s.executeUpdate("UPDATE T SET V = 'in tx' WHERE ID = 10");
            // A transaction across the split: both writes commit (CrossRangeTransactionTest has more).
            s.executeUpdate("UPDATE T SET V = 'in tx' WHERE ID = 90");
            c.commit();
            c.setAutoCommit(true);
            assertEquals("in tx", text(s, "SELECT V FROM T WHERE ID = 10"));
            assertEquals("in tx", text(s, "SELECT V FROM T WHERE ID = 90"));

            await("every replica of each range holds the same rows", () -> {
                for (long range : new long[] {Node.DATA_RANGE, NEW_RANGE}) {
                    Set<String> digests = new HashSet<>();
                    Set<Long> applied = new TreeSet<>();
                    for (long id = 1; id <= 3; id++) {
                        RangeReplica r = nodes.node(id).replica(range);
                        applied.add(r.applied());
                        try (Connection rc = r.store().connect()) {
                            digests.add(ContentDigest.ofRows(rc));
                        }
                    }
                    if (applied.size() != 1 || digests.size() != 1) {
                        return false;
                    }
                }
                return true;
            });
            for (long id = 1; id <= 3; id++) {
                assertEquals(0, count(nodes.node(id).replica(Node.DATA_RANGE), "SELECT COUNT(*) FROM T WHERE ID >= 50"));
                assertEquals(0, count(nodes.node(id).replica(NEW_RANGE), "SELECT COUNT(*) FROM T WHERE ID < 50"));
                assertEquals(53, count(nodes.node(id).replica(Node.DATA_RANGE), "SELECT COUNT(*) FROM T"),
                        "50 rows, 3 negative ones");
            }
        }
    }

    /**
     * A node down while the range split, whose replica then catches up from an image taken after
     * the split (the others compacted their logs past it), never applies the split: the new
     * range's leader reaches it, it opens an empty replica, and the leader fills it.
     */
    @Test
    void aNodeThatMissedTheSplitGetsTheNewRangeFromItsLeader() throws Exception {
        try (LocalNodes nodes = LocalNodes.withLogCompaction(3, new LogCompaction.Policy(20, 1 << 20, Duration.ofMillis(100)))) {
            try (Connection c = DriverManager.getConnection(nodes.url(1)); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE T(ID INT PRIMARY KEY, V VARCHAR(20))");
                s.execute("INSERT INTO T SELECT X, 't' || X FROM SYSTEM_RANGE(0, 99)");
            }
            nodes.stop(3);
            long splitIndex;
            try (Connection c = DriverManager.getConnection(nodes.url(1)); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE T SPLIT AT VALUES (50)");
                // At least the split's index: the split has applied on its leader, one of the two.
                splitIndex = Math.max(nodes.node(1).replica(Node.DATA_RANGE).applied(),
                        nodes.node(2).replica(Node.DATA_RANGE).applied());
                for (int i = 0; i < 60; i++) {
                    s.executeUpdate("UPDATE T SET V = 'u" + i + "' WHERE ID = " + (i % 50));
                    s.executeUpdate("UPDATE T SET V = 'u" + i + "' WHERE ID = " + (50 + i % 50));
                }
            }
            await("both nodes compacted the old range's log past the split", () -> {
                for (long id = 1; id <= 2; id++) {
                    long first = nodes.node(id).host().inspect(Node.DATA_RANGE, r -> r.firstIndex()).get();
                    if (first <= splitIndex + 1) {
                        return false;
                    }
                }
                return true;
            });
            nodes.start(3);
            awaitSplitEverywhere(nodes);
            await("node 3's replica of the new range holds its rows", () ->
                    nodes.node(3).replica(NEW_RANGE).applied() >= nodes.node(1).replica(NEW_RANGE).applied()
                            && count(nodes.node(3).replica(NEW_RANGE), "SELECT COUNT(*) FROM T") == 50);
            assertEquals(50, count(nodes.node(3).replica(Node.DATA_RANGE), "SELECT COUNT(*) FROM T"));
            try (Connection c = DriverManager.getConnection(nodes.url(3)); Statement s = c.createStatement()) {
                assertEquals("u59", text(s, "SELECT V FROM T WHERE ID = 59"));
            }
        }
    }

    @Test
    void aNodeThatRestartsFindsTheRangeASplitMade() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url(1)); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE T(ID INT PRIMARY KEY, V VARCHAR(20))");
                s.execute("INSERT INTO T SELECT X, 't' || X FROM SYSTEM_RANGE(0, 99)");
                s.execute("ALTER TABLE T SPLIT AT VALUES (50)");
            }
            awaitSplitEverywhere(nodes);
            nodes.crash(3);
            nodes.start(3);
            awaitSplitEverywhere(nodes);
            try (Connection c = DriverManager.getConnection(nodes.url(3)); Statement s = c.createStatement()) {
                assertEquals("t99", text(s, "SELECT V FROM T WHERE ID = 99"));
                assertEquals(1, s.executeUpdate("UPDATE T SET V = 'after' WHERE ID = 98"));
                assertEquals("after", text(s, "SELECT V FROM T WHERE ID = 98"));
            }
            assertEquals(50, count(nodes.node(3).replica(NEW_RANGE), "SELECT COUNT(*) FROM T"));
        }
    }
}
