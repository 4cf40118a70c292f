package io.flotilla.sql;

import static io.flotilla.sql.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.range.RangeReplica;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * Splits by size on a 3-node cluster whose nodes split a range above 2,000 rows: a table of
 * 10,000 rows, written into one range, ends in ranges of at most 2,000 rows each, every row in
 * exactly one of them, and the table reads the same through any node.
 */
class SizeSplitTest {

    private static final int ROWS = 10_000;
    private static final int MAX_ROWS = 2_000;

    private static long rows(RangeReplica replica) throws SQLException {
        try (Connection c = replica.store().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM T")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aRangeAboveItsRowLimitSplitsUntilNoneIs() throws Exception {
        try (LocalNodes nodes = LocalNodes.withFlags(3, "--range-max-rows", String.valueOf(MAX_ROWS));
             Connection c = DriverManager.getConnection(nodes.url(1));
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE T(ID INT PRIMARY KEY, V VARCHAR(40))");
            assertEquals(ROWS, s.executeUpdate("INSERT INTO T SELECT X, 'row ' || X FROM SYSTEM_RANGE(1, " + ROWS + ")"));
            await("every node's data ranges hold at most " + MAX_ROWS + " rows each, " + ROWS + " in all", () -> {
                for (long id = 1; id <= 3; id++) {
                    long total = 0;
                    for (Map.Entry<Long, RangeReplica> e : nodes.node(id).replicas().entrySet()) {
                        if (e.getKey() == Node.META_RANGE) {
                            continue;
                        }
                        long rows = rows(e.getValue());
                        if (rows > MAX_ROWS) {
                            return false;
                        }
                        total += rows;
                    }
                    if (total != ROWS) {
                        return false;
                    }
                }
                return true;
            });
            long ranges = nodes.node(1).replicas().keySet().stream().filter(r -> r != Node.META_RANGE).count();
            assertTrue(ranges >= ROWS / MAX_ROWS, "the table split into at least 5 ranges: " + ranges);
            for (long id = 1; id <= 3; id++) {
                try (Connection n = DriverManager.getConnection(nodes.url(id)); Statement t = n.createStatement();
                     ResultSet rs = t.executeQuery("SELECT COUNT(*), SUM(ID), COUNT(DISTINCT V) FROM T")) {
                    assertTrue(rs.next());
                    assertEquals(ROWS, rs.getLong(1), "node " + id);
                    assertEquals((long) ROWS * (ROWS + 1) / 2, rs.getLong(2), "node " + id);
                    assertEquals(ROWS, rs.getLong(3), "node " + id);
                }
            }
            System.out.println("size splits: " + ROWS + " rows in " + ranges + " data ranges of at most " + MAX_ROWS);
        }
    }
}
