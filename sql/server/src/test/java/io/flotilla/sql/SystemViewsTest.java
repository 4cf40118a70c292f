package io.flotilla.sql;

import io.flotilla.sql.node.Node;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FLOTILLA.REPLICAS as a leader shows it, with one follower cut off from the group: lag in entries
 * and bytes for the one behind, none for the one caught up, and when the leader's lease runs out.
 */
class SystemViewsTest {

    private static final int ROWS = 5;
    private static final int ROW_CHARS = 1_000;

    private record Row(long nodeId, String role, Long lagEntries, Long lagBytes, boolean leaseHeld,
                       OffsetDateTime leaseExpiresAt, long reportedBy) {
    }

    @Test
    void replicasShowLagInEntriesAndBytesAndWhenTheLeadersLeaseRunsOut() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE NOTES(ID INT PRIMARY KEY, TEXT VARCHAR(" + ROW_CHARS + "))");
            }
            long leader = 0;
            for (long id = 1; id <= 3; id++) {
                if (nodes.node(id).replica(Node.DATA_RANGE).serving()) {
                    leader = id;
                }
            }
            long behind = leader == 1 ? 2 : 1;
            long current = 6 - leader - behind;
            nodes.node(behind).cutRaftLinks();
            try (Connection c = DriverManager.getConnection(nodes.url(leader));
                 PreparedStatement insert = c.prepareStatement("INSERT INTO NOTES VALUES (?, ?)")) {
                for (int i = 0; i < ROWS; i++) {
                    insert.setInt(1, i);
                    insert.setString(2, "x".repeat(ROW_CHARS));
                    assertEquals(1, insert.executeUpdate());
                }

                // The leader learns the caught-up follower's match from its answers, and renews its
                // lease with every heartbeat round: ask until one answer shows both.
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                Map<Long, Row> rows;
                OffsetDateTime before;
                OffsetDateTime after;
                do {
                    assertTrue(System.nanoTime() < deadline, "the leader never showed node " + current + " caught up");
                    before = OffsetDateTime.now();
                    rows = replicas(c);
                    after = OffsetDateTime.now();
                } while (rows.get(current).lagEntries() != 0 || !rows.get(leader).leaseHeld());

                Row lagging = rows.get(behind);
                assertTrue(lagging.lagEntries() >= ROWS, "node " + behind + " missed every insert: " + lagging);
                assertTrue(lagging.lagBytes() >= (long) ROWS * ROW_CHARS,
                        "each missed insert carries its " + ROW_CHARS + "-character row: " + lagging);
                assertNull(lagging.leaseExpiresAt());

                assertEquals(0L, rows.get(current).lagBytes(), "caught up: nothing left to send");

                Row own = rows.get(leader);
                assertEquals("LEADER", own.role());
                assertEquals(leader, own.reportedBy(), "the leader answered the linearizable read");
                assertEquals(0L, own.lagBytes());
                assertTrue(own.leaseExpiresAt().isAfter(before), "a held lease runs out in the future: " + own);
                // The lease is the election timeout (300 ms here) minus the clock drift allowance.
                assertTrue(own.leaseExpiresAt().isBefore(after.plusSeconds(1)), "and within a lease's length: " + own);
            }
            nodes.node(behind).restoreRaftLinks();
        }
    }

    @Test
    void theLagAndLeaseColumnsHaveTheirTypes() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3);
             Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT LAG_ENTRIES, LAG_BYTES, LEASE_HELD, LEASE_EXPIRES_AT FROM FLOTILLA.REPLICAS")) {
            ResultSetMetaData meta = rs.getMetaData();
            assertEquals(Types.BIGINT, meta.getColumnType(2));
            assertEquals(Types.TIMESTAMP_WITH_TIMEZONE, meta.getColumnType(4));
        }
    }

    private static Map<Long, Row> replicas(Connection c) throws Exception {
        Map<Long, Row> out = new TreeMap<>();
        List<String> seen = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT NODE_ID, ROLE, LAG_ENTRIES, "
                + "LAG_BYTES, LEASE_HELD, LEASE_EXPIRES_AT, REPORTED_BY FROM FLOTILLA.REPLICAS WHERE RANGE_ID = 2")) {
            while (rs.next()) {
                Row r = new Row(rs.getLong(1), rs.getString(2), rs.getObject(3, Long.class), rs.getObject(4, Long.class),
                        rs.getBoolean(5), rs.getObject(6, OffsetDateTime.class), rs.getLong(7));
                out.put(r.nodeId(), r);
                seen.add(r.toString());
            }
        }
        assertEquals(3, out.size(), "the leader reports every member: " + seen);
        return out;
    }
}
