package io.flotilla.sql;

import io.flotilla.sql.node.LogCompaction;
import io.flotilla.sql.node.Node;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A table without a primary key, through the driver on three nodes: its hidden row key is the
 * same on every replica, survives a leader change without a value drawn twice, and a replica
 * rebuilt after a crash from a compacted log's image; the user sees only the columns they wrote.
 */
class KeylessTableTest {

    /** Small enough that the inserts below compact every node's log: the crashed node restores an image. */
    private static final LogCompaction.Policy SMALL = new LogCompaction.Policy(20, 64L << 20, Duration.ofMillis(100));

    @Test
    void keylessRowsAreTheSameOnEveryReplicaThroughLeaderChangesAndCrashes() throws Exception {
        try (LocalNodes nodes = LocalNodes.withLogCompaction(3, SMALL);
             Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t1(a INTEGER, b INTEGER)");
            for (int i = 0; i < 30; i++) {
                // Equal rows: only the hidden key tells them apart.
                assertEquals(2, s.executeUpdate("INSERT INTO t1 VALUES (" + (i % 3) + ", 0), (" + (i % 3) + ", 0)"));
            }
            assertEquals(1, s.executeUpdate("UPDATE t1 SET b = 7 WHERE _ROWID_ = (SELECT MAX(_ROWID_) FROM t1 WHERE a = 1)"));
            assertEquals(1, s.executeUpdate("DELETE FROM t1 WHERE _ROWID_ = (SELECT MIN(_ROWID_) FROM t1 WHERE a = 2)"));
            long highest = queryLong(s, "SELECT MAX(_ROWID_) FROM t1");

            long leader = nodes.awaitServing();
            long next = leader == 3 ? 1 : leader + 1;
            nodes.transferLeadership(next);
            assertEquals(1, s.executeUpdate("INSERT INTO t1 VALUES (9, 9)"));
            long drawn = queryLong(s, "SELECT _ROWID_ FROM t1 WHERE a = 9");
            assertTrue(drawn > highest, "the new leader drew row key " + drawn + "; the old one had used up to " + highest);

            long victim = next == 1 ? 2 : 1;
            nodes.crash(victim);
            assertEquals(1, s.executeUpdate("INSERT INTO t1 VALUES (10, 10)"));
            nodes.start(victim);

            try (ResultSet r = s.executeQuery("SELECT * FROM t1 WHERE a = 10")) {
                assertEquals(2, r.getMetaData().getColumnCount(), "SELECT * shows the columns the user wrote");
            }
            DatabaseMetaData meta = c.getMetaData();
            assertEquals(List.of("A", "B"), names(meta.getColumns(null, "PUBLIC", "T1", null), "COLUMN_NAME"));
            assertEquals(List.of(), names(meta.getPrimaryKeys(null, "PUBLIC", "T1"), "COLUMN_NAME"));
            assertEquals(List.of(), names(meta.getIndexInfo(null, "PUBLIC", "T1", false, false), "INDEX_NAME"));

            long expectedRows = queryLong(s, "SELECT COUNT(*) FROM t1");
            Eventually.await("every replica applied the last insert", () -> {
                for (long id = 1; id <= 3; id++) {
                    if (rows(nodes.node(id)).size() != expectedRows) {
                        return false;
                    }
                }
                return true;
            });
            List<String> reference = rows(nodes.node(next));
            assertEquals(61, reference.size());
            for (long id = 1; id <= 3; id++) {
                assertEquals(reference, rows(nodes.node(id)), "node " + id + "'s rows, hidden keys included");
            }
            assertFalse(reference.stream().map(r -> r.split(" ")[0]).distinct().count() < reference.size(),
                    "every row has a key of its own");
        }
    }

    /** The replica's rows with their hidden keys, read from its own database. */
    private static List<String> rows(Node node) throws SQLException {
        try (Connection c = node.replica(Node.DATA_RANGE).store().connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT _ROWID_, a, b FROM t1 ORDER BY _ROWID_")) {
            List<String> rows = new ArrayList<>();
            while (r.next()) {
                rows.add(r.getLong(1) + " " + r.getInt(2) + " " + r.getInt(3));
            }
            return rows;
        }
    }

    private static List<String> names(ResultSet r, String column) throws SQLException {
        try (r) {
            List<String> names = new ArrayList<>();
            while (r.next()) {
                names.add(r.getString(column));
            }
            return names;
        }
    }

    private static long queryLong(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            assertTrue(r.next());
            return r.getLong(1);
        }
    }
}
