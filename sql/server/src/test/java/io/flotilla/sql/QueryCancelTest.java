package io.flotilla.sql;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A statement that would run for hours ends with 57014 when its query timeout passes or when
 * another thread cancels it, on a real node, also when the node the client reached forwarded it to
 * the leader; the connection stays usable.
 */
class QueryCancelTest {

    /** Sums over 10^11 rows: hours of work, so only a timeout or a cancel ends it within the test. */
    private static final String ENDLESS = "SELECT SUM(MOD(X, 7)) FROM SYSTEM_RANGE(1, 100000000000)";

    private static LocalNodes nodes;

    @BeforeAll
    static void start() throws Exception {
        nodes = new LocalNodes(3);
    }

    @AfterAll
    static void stop() throws Exception {
        nodes.close();
    }

    @Test
    void aQueryTimeoutEndsTheStatement() throws Exception {
        try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
            s.setQueryTimeout(1);
            long started = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery(ENDLESS));
            assertEquals("57014", e.getSQLState(), e.getMessage());
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(60), "ended by the timeout");
            assertStillUsable(c);
        }
    }

    @Test
    void cancelEndsAStatementOnTheLeader() throws Exception {
        cancelEndsTheStatement(nodes.url(leader()));
    }

    @Test
    void cancelEndsAStatementAFollowerForwardedToTheLeader() throws Exception {
        cancelEndsTheStatement(nodes.url(leader() % 3 + 1));
    }

    private static long leader() throws Exception {
        long[] leader = new long[1];
        Eventually.await("a node serves the data range", () -> {
            for (long id = 1; id <= 3; id++) {
                if (nodes.node(id).replica(io.flotilla.sql.node.Node.DATA_RANGE).serving()) {
                    leader[0] = id;
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    private static void cancelEndsTheStatement(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            CompletableFuture<SQLException> outcome = CompletableFuture.supplyAsync(() -> {
                try (ResultSet rs = s.executeQuery(ENDLESS)) {
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // A cancel that arrives before the statement runs cancels nothing: ask until it ends.
            while (!outcome.isDone() && System.nanoTime() < deadline) {
                s.cancel();
                try {
                    outcome.get(100, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException stillRunning) {
                    // asked again below
                }
            }
            SQLException e = outcome.getNow(null);
            assertTrue(outcome.isDone(), "the cancelled statement ended");
            assertEquals("57014", e == null ? null : e.getSQLState(), String.valueOf(e));
            assertStillUsable(c);
        }
    }

    private static void assertStillUsable(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 41 + 1")) {
            assertTrue(rs.next());
            assertEquals(42, rs.getInt(1));
        }
        assertTrue(c.isValid(5));
    }
}
