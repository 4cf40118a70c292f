package io.flotilla.sql;

import static io.flotilla.sql.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.Execute;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.TransactionStep;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.protocol.wire.NodeConnection;
import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.range.RangeReplica;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Transactions that write in more than one range (docs/ranges.md, "Cross-range transactions") on
 * a 3-node cluster whose accounts table is split in two: a commit shows all of the transaction
 * from every node, a rollback none of it; concurrent transfers across the split keep the total;
 * a transaction at SERIALIZABLE that reaches a second range is refused while it goes on; nothing
 * stays prepared once the clients are done; and a coordinator that vanishes after the prepares,
 * before or after deciding, leaves parts that recovery resolves as the record says.
 */
class CrossRangeTransactionTest {

    private static final int ACCOUNTS = 100;
    private static final int OPENING = 100;

    private static void accountsInTwoRanges(LocalNodes nodes, Statement s) throws Exception {
        s.execute("CREATE TABLE ACCOUNTS(ID INT PRIMARY KEY, BALANCE INT NOT NULL)");
        s.execute("INSERT INTO ACCOUNTS SELECT X, " + OPENING + " FROM SYSTEM_RANGE(0, " + (ACCOUNTS - 1) + ")");
        s.execute("ALTER TABLE ACCOUNTS SPLIT AT VALUES (50)");
        await("every node holds both data ranges", () -> {
            for (long id = 1; id <= 3; id++) {
                if (nodes.node(id).replicas().keySet().stream().filter(r -> r != Node.META_RANGE).count() != 2) {
                    return false;
                }
            }
            return true;
        });
        // A transaction's statement that finds its range without a leader fails the transaction: the
        // range the split made elects its first leader after it.
        await("each data range has a serving leader", () -> {
            for (long range : nodes.node(1).replicas().keySet()) {
                boolean served = false;
                for (long id = 1; id <= 3; id++) {
                    RangeReplica r = nodes.node(id).replicas().get(range);
                    served |= r != null && r.serving();
                }
                if (!served) {
                    return false;
                }
            }
            return true;
        });
    }

    private static long one(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getLong(1);
        }
    }

    /** No replica of any data range holds a prepared part, once every node has applied what its leader has. */
    private static void nothingPrepared(LocalNodes nodes) throws Exception {
        await("no prepared parts left on any replica", () -> {
            for (long id = 1; id <= 3; id++) {
                for (Map.Entry<Long, RangeReplica> r : nodes.node(id).replicas().entrySet()) {
                    if (r.getKey() != Node.META_RANGE && !r.getValue().preparedParts().isEmpty()) {
                        return false;
                    }
                }
            }
            return true;
        });
    }

    @Test
    void aTransactionAcrossRangesCommitsWholeAndRollsBackWhole() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3);
             Connection c = DriverManager.getConnection(nodes.url(1));
             Statement s = c.createStatement()) {
            accountsInTwoRanges(nodes, s);
            c.setAutoCommit(false);
            assertEquals(1, s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE - 30 WHERE ID = 10"));
            assertEquals(1, s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE + 30 WHERE ID = 60"));
            assertEquals(1, s.executeUpdate("INSERT INTO ACCOUNTS VALUES (500, 0)"));
            // Its own writes, in both ranges, before the commit.
            assertEquals(70, one(s, "SELECT BALANCE FROM ACCOUNTS WHERE ID = 10"));
            assertEquals(130, one(s, "SELECT BALANCE FROM ACCOUNTS WHERE ID = 60"));
            c.commit();
            for (long id = 1; id <= 3; id++) {
                try (Connection n = DriverManager.getConnection(nodes.url(id)); Statement t = n.createStatement()) {
                    assertEquals(70, one(t, "SELECT BALANCE FROM ACCOUNTS WHERE ID = 10"), "node " + id);
                    assertEquals(130, one(t, "SELECT BALANCE FROM ACCOUNTS WHERE ID = 60"), "node " + id);
                    assertEquals(ACCOUNTS * OPENING, one(t, "SELECT SUM(BALANCE) FROM ACCOUNTS"), "node " + id);
                    assertEquals(ACCOUNTS + 1, one(t, "SELECT COUNT(*) FROM ACCOUNTS"), "node " + id);
                }
            }

            s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = 0 WHERE ID = 11");
            s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = 0 WHERE ID = 61");
            c.rollback();
            c.setAutoCommit(true);
            assertEquals(OPENING, one(s, "SELECT BALANCE FROM ACCOUNTS WHERE ID = 11"));
            assertEquals(OPENING, one(s, "SELECT BALANCE FROM ACCOUNTS WHERE ID = 61"));

            // SERIALIZABLE promises one snapshot, which two ranges' parts do not give yet.
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE - 1 WHERE ID = 12");
            SQLException refused = assertThrows(SQLException.class,
                    () -> s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE + 1 WHERE ID = 62"));
            assertEquals("0A000", refused.getSQLState(), refused.getMessage());
            c.commit();
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            c.setAutoCommit(true);
            assertEquals(OPENING - 1, one(s, "SELECT BALANCE FROM ACCOUNTS WHERE ID = 12"));
            nothingPrepared(nodes);
            await("the committed transaction's record forgotten everywhere", () -> {
                for (long id = 1; id <= 3; id++) {
                    for (Map.Entry<Long, RangeReplica> r : nodes.node(id).replicas().entrySet()) {
                        try (Connection rc = r.getValue().store().connect(); Statement rs = rc.createStatement()) {
                            if (r.getKey() != Node.META_RANGE && one(rs, "SELECT COUNT(*) FROM FLOTILLA.TXN_RECORDS") != 0) {
                                return false;
                            }
                        }
                    }
                }
                return true;
            });
        }
    }

    @Test
    void concurrentTransfersAcrossTheSplitKeepTheTotal() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url(1)); Statement s = c.createStatement()) {
                accountsInTwoRanges(nodes, s);
            }
            int clients = 4;
            int transfers = 25;
            AtomicInteger committed = new AtomicInteger();
            Map<String, Integer> retried = new ConcurrentHashMap<>();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            ExecutorService readerPool = Executors.newFixedThreadPool(3);
            AtomicInteger totals = new AtomicInteger();
            AtomicInteger refusedTotals = new AtomicInteger();
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < clients; t++) {
                    long seed = t;
                    String url = nodes.url(1 + t % 3);
                    done.add(pool.submit(() -> {
                        SplittableRandom random = new SplittableRandom(seed);
                        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                            c.setAutoCommit(false);
                            for (int i = 0; i < transfers; i++) {
                                int from = random.nextInt(50);
                                int to = 50 + random.nextInt(50);
                                if (random.nextBoolean()) {
                                    int swap = from;
                                    from = to;
                                    to = swap;
                                }
                                int amount = 1 + random.nextInt(10);
                                while (true) {
                                    try {
                                        s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE - " + amount + " WHERE ID = " + from);
                                        s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE + " + amount + " WHERE ID = " + to);
                                        c.commit();
                                        committed.incrementAndGet();
                                        break;
                                    } catch (SQLException e) {
                                        // Two transfers locking the same accounts in opposite orders: one waits out
                                        // its lock timeout and is retried; an aborted commit (40001) likewise.
                                        retried.merge(e.getSQLState(), 1, Integer::sum);
                                        c.rollback();
                                    }
                                }
                            }
                        }
                        return null;
                    }));
                }
                // Meanwhile a reader on each node: every total it reads across the two ranges must be
                // the whole (the cut: no transfer seen in one range and not the other).
                AtomicBoolean transferring = new AtomicBoolean(true);
                List<Future<?>> readers = new ArrayList<>();
                for (long id = 1; id <= 3; id++) {
                    String url = nodes.url(id);
                    readers.add(readerPool.submit(() -> {
                        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                            while (transferring.get()) {
                                try {
                                    assertEquals(ACCOUNTS * OPENING, one(s, "SELECT SUM(BALANCE) FROM ACCOUNTS"),
                                            "a total read across the ranges while transfers ran");
                                    totals.incrementAndGet();
                                } catch (SQLException e) {
                                    // The ranges kept changing for all of the query's tries: the one refusal allowed.
                                    assertEquals("40001", e.getSQLState(), e.getMessage());
                                    refusedTotals.incrementAndGet();
                                    System.out.println("a total refused: " + e.getMessage());
                                }
                            }
                        }
                        return null;
                    }));
                }
                try {
                    for (Future<?> f : done) {
                        f.get(5, TimeUnit.MINUTES);
                    }
                } finally {
                    transferring.set(false);
                }
                for (Future<?> f : readers) {
                    f.get(1, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
                readerPool.shutdownNow();
            }
            assertTrue(totals.get() > 0, "no total was read while transfers ran");
            assertEquals(clients * transfers, committed.get());
            for (String state : retried.keySet()) {
                assertTrue(state.equals("40001") || state.equals("HYT00"), "unexpected failure " + state + ": " + retried);
            }
            nothingPrepared(nodes);
            for (long id = 1; id <= 3; id++) {
                try (Connection n = DriverManager.getConnection(nodes.url(id)); Statement t = n.createStatement()) {
                    assertEquals(ACCOUNTS * OPENING, one(t, "SELECT SUM(BALANCE) FROM ACCOUNTS"), "node " + id);
                }
            }
            System.out.println("cross-range transfers: " + committed.get() + " committed, retried " + retried
                    + "; totals read meanwhile: " + totals.get() + " whole, " + refusedTotals.get() + " refused (40001)");
        }
    }

    /**
     * A statement answered 40001 in one range ends the transaction in every range: the client (and
     * the driver) take it for rolled back and go on, and a part left open in another range would
     * join the next transaction. The network tests' ledger found a debit whose credit failed so
     * committed with the next transfer.
     */
    @Test
    void aTransactionRolledBackInOneRangeIsRolledBackInEvery() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url(1)); Statement s = c.createStatement()) {
                accountsInTwoRanges(nodes, s);
            }
            try (Connection holder = DriverManager.getConnection(nodes.url(1));
                 Statement h = holder.createStatement();
                 Connection c = DriverManager.getConnection(nodes.url(1)); Statement s = c.createStatement()) {
                holder.setAutoCommit(false);
                assertEquals(1, h.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE WHERE ID = 60"));
                c.setAutoCommit(false);
                assertEquals(1, s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE - 7 WHERE ID = 10"));
                // Waits out the lock timeout on the row the other transaction holds: that range's part ends.
                SQLException timedOut = assertThrows(SQLException.class,
                        () -> s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE + 7 WHERE ID = 60"));
                assertEquals("HYT00", timedOut.getSQLState(), timedOut.getMessage());
                SQLException rolledBack = assertThrows(SQLException.class,
                        () -> s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE + 7 WHERE ID = 61"));
                assertEquals("40001", rolledBack.getSQLState(), rolledBack.getMessage());
                holder.rollback();
                // Taken for rolled back, as the answer says: the next statements are a new transaction.
                assertEquals(1, s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE + 1 WHERE ID = 11"));
                c.commit();
            }
            for (long id = 1; id <= 3; id++) {
                try (Connection n = DriverManager.getConnection(nodes.url(id)); Statement t = n.createStatement()) {
                    assertEquals(OPENING, one(t, "SELECT BALANCE FROM ACCOUNTS WHERE ID = 10"),
                            "the debit of the rolled back transaction, node " + id);
                    assertEquals(OPENING + 1, one(t, "SELECT BALANCE FROM ACCOUNTS WHERE ID = 11"), "node " + id);
                    assertEquals(OPENING, one(t, "SELECT BALANCE FROM ACCOUNTS WHERE ID = 61"), "node " + id);
                }
            }
            nothingPrepared(nodes);
        }
    }

    private static void ok(Response answer) {
        assertTrue(!answer.hasError(), answer.toString());
    }

    private static Request.Builder step(long range, TransactionStep.Kind kind, ByteString txn, boolean commit,
                                        List<Long> participants, long record) {
        return Request.newBuilder().setRange(range).setTransactionStep(TransactionStep.newBuilder().setKind(kind)
                .setTxn(txn).setCommit(commit).setRecordRange(record).addAllParticipants(participants));
    }

    /**
     * A coordinator speaking the protocol itself prepares a transfer in both ranges and vanishes:
     * before deciding (recovery aborts it: nothing changes) or after deciding commit, before the
     * second range's resolve (recovery commits that range's part too). Either way the rows are free
     * again and the total holds.
     */
    @ParameterizedTest(name = "decided commit before vanishing: {0}")
    @ValueSource(booleans = {false, true})
    void recoveryResolvesThePartsOfAVanishedCoordinatorAsTheRecordSays(boolean decided) throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url(1)); Statement s = c.createStatement()) {
                accountsInTwoRanges(nodes, s);
            }
            long low = Node.DATA_RANGE;
            long high = nodes.node(1).replicas().keySet().stream().filter(r -> r != Node.META_RANGE && r != low)
                    .findFirst().orElseThrow();
            InetSocketAddress at = nodes.node(1).sqlAddress();
            NodeConnection coordinator = NodeConnection.open(new HostAddress(at.getHostString(), at.getPort()),
                    Hello.newBuilder().setSessionId(ByteString.copyFromUtf8("vanishing-coordinator")).build(), 5_000, 30_000, 0);
            ByteString txn = ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
            try {
                ok(coordinator.call(Request.newBuilder().setExecute(Execute.newBuilder()
                        .setSql("UPDATE ACCOUNTS SET BALANCE = BALANCE - 40 WHERE ID = 10").setAutoCommit(false))));
                ok(coordinator.call(Request.newBuilder().setExecute(Execute.newBuilder()
                        .setSql("UPDATE ACCOUNTS SET BALANCE = BALANCE + 40 WHERE ID = 60").setAutoCommit(false))));
                ok(coordinator.call(step(low, TransactionStep.Kind.PREPARE, txn, false, List.of(low, high), low)));
                ok(coordinator.call(step(high, TransactionStep.Kind.PREPARE, txn, false, List.of(), low)));
                if (decided) {
                    ok(coordinator.call(step(low, TransactionStep.Kind.DECIDE, txn, true, List.of(), low)));
                }
            } finally {
                coordinator.close();
            }
            nothingPrepared(nodes);
            int moved = decided ? 40 : 0;
            try (Connection c = DriverManager.getConnection(nodes.url(2)); Statement s = c.createStatement()) {
                assertEquals(OPENING - moved, one(s, "SELECT BALANCE FROM ACCOUNTS WHERE ID = 10"));
                assertEquals(OPENING + moved, one(s, "SELECT BALANCE FROM ACCOUNTS WHERE ID = 60"));
                assertEquals(ACCOUNTS * OPENING, one(s, "SELECT SUM(BALANCE) FROM ACCOUNTS"));
                // The parts' locks went with them.
                assertEquals(1, s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE + 1 WHERE ID = 10"));
                assertEquals(1, s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE - 1 WHERE ID = 60"));
            }
        }
    }

    /**
     * Single statements whose writes span the split: updates and deletes that change each row by
     * itself run in both ranges as one transaction, a batch whose parameter sets fall in both
     * ranges is split between them, with H2's update counts and rows; a change that reads other
     * rows, or moves rows to the other range, is refused and changes nothing; inside a
     * transaction such a statement is part of it, and its rollback undoes it in both ranges.
     */
    @Test
    void changesAcrossRangesRunInEveryRangeAsOneTransaction() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3);
             Connection c = DriverManager.getConnection(nodes.url(2));
             Statement s = c.createStatement();
             Connection h2 = DriverManager.getConnection("jdbc:h2:mem:changes-across-ranges");
             Statement expected = h2.createStatement()) {
            accountsInTwoRanges(nodes, s);
            expected.execute("CREATE TABLE ACCOUNTS(ID INT PRIMARY KEY, BALANCE INT NOT NULL)");
            expected.execute("INSERT INTO ACCOUNTS SELECT X, " + OPENING + " FROM SYSTEM_RANGE(0, " + (ACCOUNTS - 1) + ")");
            for (String change : List.of("UPDATE ACCOUNTS SET BALANCE = BALANCE + ID", "UPDATE ACCOUNTS SET BALANCE = 0 "
                    + "WHERE MOD(ID, 7) = 3", "DELETE FROM ACCOUNTS WHERE BALANCE > 180", "UPDATE ACCOUNTS SET BALANCE = "
                    + "BALANCE * 2 WHERE ID BETWEEN 40 AND 60")) {
                assertEquals(expected.executeUpdate(change), s.executeUpdate(change), change);
            }
            try (java.sql.PreparedStatement insert = c.prepareStatement("INSERT INTO ACCOUNTS VALUES (?, ?)");
                 java.sql.PreparedStatement mirror = h2.prepareStatement("INSERT INTO ACCOUNTS VALUES (?, ?)")) {
                for (int id : new int[] {300, 7, 301, 8}) {
                    for (java.sql.PreparedStatement p : List.of(insert, mirror)) {
                        p.setInt(1, id);
                        p.setInt(2, id);
                        p.addBatch();
                    }
                }
                SQLException duplicate = assertThrows(SQLException.class, insert::executeBatch);
                assertEquals("23505", duplicate.getSQLState(), "accounts 7 and 8 exist: " + duplicate.getMessage());
                insert.clearBatch();
                mirror.clearBatch();
                for (int id : new int[] {300, 17, 301, 19, 302}) {
                    for (java.sql.PreparedStatement p : List.of(insert, mirror)) {
                        p.setInt(1, id + 1000);
                        p.setInt(2, id);
                        p.addBatch();
                    }
                }
                assertEquals(java.util.Arrays.toString(mirror.executeBatch()), java.util.Arrays.toString(insert.executeBatch()));
            }
            String all = "SELECT ID, BALANCE FROM ACCOUNTS ORDER BY ID";
            assertEquals(rows(expected, all), rows(s, all));
            for (String refused : List.of("UPDATE ACCOUNTS SET BALANCE = (SELECT MAX(BALANCE) FROM ACCOUNTS)",
                    "DELETE FROM ACCOUNTS WHERE BALANCE > 10 LIMIT 3", "UPDATE ACCOUNTS SET ID = ID + 5000")) {
                SQLException e = assertThrows(SQLException.class, () -> s.executeUpdate(refused), refused);
                assertEquals("0A000", e.getSQLState(), refused + ": " + e.getMessage());
            }
            assertEquals(rows(expected, all), rows(s, all), "the refused changes changed nothing");

            c.setAutoCommit(false);
            assertEquals(expected.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE - 1"),
                    s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE - 1"));
            c.rollback();
            c.setAutoCommit(true);
            expected.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE + 1");
            assertEquals(rows(expected, all), rows(s, all), "rolled back in both ranges");
            nothingPrepared(nodes);
        }
    }

    private static List<String> rows(Statement s, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getInt(1) + ":" + rs.getLong(2));
            }
        }
        return rows;
    }
}
