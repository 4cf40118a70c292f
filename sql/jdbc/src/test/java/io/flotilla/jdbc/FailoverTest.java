package io.flotilla.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.protocol.Execute;
import io.flotilla.protocol.Request;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransactionRollbackException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FailoverTest extends FakeClusterTest {

    private int count() throws SQLException {
        try (Connection h2 = cluster.h2(); Statement s = h2.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static List<Long> sequences(List<Request> requests) {
        return requests.stream().map(r -> r.getExecute().getSequence()).toList();
    }

    private Connection connectWithTable() throws SQLException {
        Connection c = connect();
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INT PRIMARY KEY)");      // sequence 1
        }
        return c;
    }

    @Test
    void aWriteCutOffIsResentWithTheSameSequenceAndAppliedOnce() throws Exception {
        try (Connection c = connectWithTable(); Statement s = c.createStatement()) {
            node1.dropConnectionAfterNextApply();
            assertEquals(1, s.executeUpdate("INSERT INTO t VALUES (1)"));
            List<Request> resent = node2.requests(Request.KindCase.EXECUTE);
            assertEquals(List.of(2L), sequences(resent));
            assertEquals(resent.get(0).getExecute(), node1.requests(Request.KindCase.EXECUTE).get(1).getExecute());
            assertEquals(1, count());
            assertEquals(node2.address().toString(), ((FlotillaConnection) c).getCurrentNode());
            s.executeUpdate("INSERT INTO t VALUES (2)");
            assertEquals(List.of(2L, 3L), sequences(node2.requests(Request.KindCase.EXECUTE)));
        }
    }

    @Test
    void notLeaderSendsTheRequestToTheNamedLeader() throws Exception {
        FakeNodeTrio trio = new FakeNodeTrio();
        try (Connection c = connectWithTable(); Statement s = c.createStatement()) {
            trio.third = cluster.startNode();   // known only from the error, not from the URL
            node1.refuseNext(1, "08F01", trio.third.address());
            s.executeUpdate("INSERT INTO t VALUES (1)");
            assertEquals(List.of(2L), sequences(trio.third.requests(Request.KindCase.EXECUTE)));
            assertEquals(0, node2.requests(Request.KindCase.EXECUTE).size());
            assertEquals(1, count());
        }
    }

    /** Holder for a node started mid-test. */
    private static final class FakeNodeTrio {
        io.flotilla.jdbc.fake.FakeNode third;
    }

    @Test
    void unavailableIsRetriedOnTheNextNode() throws Exception {
        try (Connection c = connectWithTable(); Statement s = c.createStatement()) {
            node1.refuseNext(5, "08F02", null);
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
                assertTrue(rs.next());
            }
            assertEquals(1, node2.requests(Request.KindCase.EXECUTE).size());
        }
    }

    @Test
    void aDeadNodeIsLeftForTheNextOne() throws Exception {
        try (Connection c = connectWithTable(); Statement s = c.createStatement()) {
            node1.close();
            assertEquals(1, s.executeUpdate("INSERT INTO t VALUES (1)"));
            assertEquals(1, count());
        }
    }

    @Test
    void aTransactionCutOffIsReportedLost() throws Exception {
        try (Connection c = connectWithTable(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("INSERT INTO t VALUES (1)");
            node1.dropClients();
            SQLTransactionRollbackException e = assertThrows(SQLTransactionRollbackException.class,
                    () -> s.execute("INSERT INTO t VALUES (2)"));
            assertEquals("40001", e.getSQLState());
            assertEquals(0, count());
            // The connection goes on, on the other node, with a new transaction.
            s.execute("INSERT INTO t VALUES (3)");
            c.commit();
            assertEquals(1, count());
        }
    }

    @Test
    void notLeaderInsideATransactionLosesIt() throws Exception {
        try (Connection c = connectWithTable(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("INSERT INTO t VALUES (1)");
            node1.refuseNext(1, "08F01", node2.address());
            assertEquals("40001", assertThrows(SQLTransactionRollbackException.class,
                    () -> s.execute("INSERT INTO t VALUES (2)")).getSQLState());
            c.rollback();   // nothing left to roll back: a no-op
        }
    }

    @Test
    void theFirstStatementOfATransactionMayMove() throws Exception {
        try (Connection c = connectWithTable(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            node1.dropClients();
            s.execute("INSERT INTO t VALUES (1)");
            c.commit();
            assertEquals(1, count());
        }
    }

    @Test
    void aCommitCutOffHasAnUnknownOutcome() throws Exception {
        try (Connection c = connectWithTable(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("INSERT INTO t VALUES (1)");
            node1.dropConnectionAfterNextApply();
            SQLTransactionRollbackException e = assertThrows(SQLTransactionRollbackException.class, c::commit);
            assertEquals("40003", e.getSQLState());
            assertEquals(1, count());   // this time it did commit; the driver cannot know
            // The next commit takes the next sequence number, on the next node.
            s.execute("INSERT INTO t VALUES (2)");
            c.commit();
            assertEquals(3, node2.requests(Request.KindCase.COMMIT).get(0).getCommit().getSequence());
        }
    }

    @Test
    void givesUpAtTheDeadlineWhenNoNodeAnswers() throws Exception {
        try (Connection c = connect("failoverTimeout=300"); Statement s = c.createStatement()) {
            node1.close();
            node2.close();
            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1"));
            assertEquals("08001", e.getSQLState());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
            assertTrue(!c.isValid(1));
        }
    }

    /**
     * The failover timeout bounds retrying after failures, not a statement's running time: one that
     * runs three times as long gets its answer (a deadline on the answer once cut such statements).
     */
    @Test
    void aStatementMayRunLongerThanTheFailoverTimeout() throws Exception {
        try (Connection c = connect("failoverTimeout=300"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INT PRIMARY KEY)");
            node1.answerLate(1, 1000);
            node2.answerLate(1, 1000);
            assertEquals(1, s.executeUpdate("INSERT INTO t VALUES (1)"));
            assertEquals(1, count());
        }
    }

    @Test
    void cancelStopsARunningStatement() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            CompletableFuture<SQLException> outcome = CompletableFuture.supplyAsync(() -> {
                try {
                    s.executeQuery("SELECT MAX(RAND() * X) FROM SYSTEM_RANGE(1, 10000000000)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!outcome.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(50);
                s.cancel();
            }
            SQLException e = outcome.get(10, TimeUnit.SECONDS);
            assertTrue(e instanceof SQLTimeoutException, String.valueOf(e));
            assertEquals("57014", e.getSQLState());
            // The same session id went to the node on the side connection.
            Request hello = node1.requests(Request.KindCase.HELLO).get(0);
            assertTrue(node1.requests(Request.KindCase.HELLO).stream().skip(1)
                    .allMatch(h -> h.getHello().getSessionId().equals(hello.getHello().getSessionId())));
            assertTrue(node1.requests(Request.KindCase.CANCEL).size() >= 1);
        }
    }

    @Test
    void unusedExecuteFieldsStayEmpty() throws Exception {
        try (Connection c = connectWithTable()) {
            Execute create = node1.requests(Request.KindCase.EXECUTE).get(0).getExecute();
            assertTrue(create.getAutoCommit());
            assertEquals(1000, create.getFetchSize());
        }
    }
}
