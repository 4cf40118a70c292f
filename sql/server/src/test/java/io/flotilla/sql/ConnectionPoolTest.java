package io.flotilla.sql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HikariCP (4 connections) in front of the JDBC driver and three real nodes: 8 threads borrow
 * connections and run auto-commit inserts and point selects for a few seconds; and 8 threads run
 * transactions through a pool while the leader crashes and the pool replaces its connections.
 */
class ConnectionPoolTest {

    private static final int THREADS = 8;
    private static final long RUN_MILLIS = 4_000;

    private static LocalNodes nodes;

    @BeforeAll
    static void start() throws Exception {
        nodes = new LocalNodes(3);
    }

    @AfterAll
    static void stop() throws Exception {
        if (nodes != null) {
            nodes.close();
        }
    }

    private static HikariDataSource pool(String name, String testQuery) {
        return pool(nodes, name, testQuery);
    }

    private static HikariDataSource pool(LocalNodes cluster, String name, String testQuery) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(cluster.url() + "?socketTimeout=15000");   // a hang fails the test instead of blocking it
        config.setUsername("sa");
        config.setPassword("");
        config.setMaximumPoolSize(4);
        config.setConnectionTimeout(20_000);
        config.setValidationTimeout(2_000);
        config.setConnectionTestQuery(testQuery);
        return new HikariDataSource(config);
    }

    /** As asked: no connectionTestQuery, so Hikari validates with Connection.isValid (a Ping). */
    @Test
    void eightThreadsShareFourConnectionsValidatedByIsValid() throws Exception {
        try (HikariDataSource pool = pool("flotilla-isvalid", null)) {
            run(pool, "POOLED_ISVALID", true);
        }
    }

    /** The same workload with Hikari validating by a query instead (connectionTestQuery). */
    @Test
    void eightThreadsShareFourConnectionsValidatedByQuery() throws Exception {
        try (HikariDataSource pool = pool("flotilla-testquery", "SELECT 1")) {
            run(pool, "POOLED_QUERY", false);
        }
    }

    /**
     * A pool's connections churned through the loss of the leader: 8 threads run two-statement
     * transactions (a log row and the worker's running total) on 4 pooled connections; once each
     * has committed a few, the node leading the data range crashes and the pool is told to replace
     * every connection (a pool does so as connections fail or age out), so new ones are opened
     * while a node in the URL is dead. Every thread must commit again, no acknowledged commit may
     * be missing, a transaction that failed before its commit must be absent, and each total must
     * match its log (a transaction applied whole or not at all). Only a commit answered 40003
     * (outcome unknown) may be either.
     */
    @Test
    void pooledTransactionsCarryOnThroughACrashOfTheLeader() throws Exception {
        try (LocalNodes cluster = new LocalNodes(3);
             HikariDataSource pool = pool(cluster, "flotilla-failover", null)) {
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE TRANSFER_LOG(ID BIGINT PRIMARY KEY, WORKER INT NOT NULL, AMOUNT INT NOT NULL)");
                s.execute("CREATE TABLE WORKER_TOTAL(WORKER INT PRIMARY KEY, TRANSACTIONS INT NOT NULL, AMOUNT BIGINT NOT NULL)");
                for (int w = 0; w < THREADS; w++) {
                    s.executeUpdate("INSERT INTO WORKER_TOTAL VALUES (" + w + ", 0, 0)");
                }
            }
            TransactionLedger ledger = new TransactionLedger();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService workers = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < THREADS; w++) {
                int worker = w;
                running.add(workers.submit(() -> {
                    for (int seq = 0; !stop.get(); seq++) {
                        transfer(pool, worker, worker * 1_000_000L + seq, ledger);
                    }
                    return null;
                }));
            }
            try {
                Eventually.await("every worker committed 10 transactions", () -> ledger.leastCommitsPerWorker() >= 10);
                long leader = cluster.awaitServing();
                int[] before = ledger.commitsPerWorker();
                long crashedAt = System.nanoTime();
                cluster.crash(leader);
                pool.getHikariPoolMXBean().softEvictConnections();
                Eventually.await("every worker committed 10 more transactions after the crash",
                        () -> ledger.leastCommitsSince(before) >= 10);
                long allRecoveredMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashedAt);
                long recoveredMillis = TimeUnit.NANOSECONDS.toMillis(ledger.firstCommitBegunAfter(crashedAt) - crashedAt);
                stop.set(true);
                for (Future<?> f : running) {
                    f.get(60, TimeUnit.SECONDS);
                }
                assertEquals(Map.of(), ledger.unexpected(), "failures other than a failover's");

                try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                    Set<Long> present = new TreeSet<>();
                    try (ResultSet rs = s.executeQuery("SELECT ID FROM TRANSFER_LOG")) {
                        while (rs.next()) {
                            present.add(rs.getLong(1));
                        }
                    }
                    Set<Long> lost = new TreeSet<>(ledger.acknowledged());
                    lost.removeAll(present);
                    assertEquals(Set.of(), lost, "acknowledged commits missing");
                    Set<Long> phantom = new TreeSet<>(present);
                    phantom.removeAll(ledger.acknowledged());
                    phantom.removeAll(ledger.unknown());
                    assertEquals(Set.of(), phantom, "rows of transactions that failed before their commit");
                    try (ResultSet rs = s.executeQuery("SELECT T.WORKER, T.TRANSACTIONS, T.AMOUNT, COUNT(L.ID), "
                            + "COALESCE(SUM(L.AMOUNT), 0) FROM WORKER_TOTAL T LEFT JOIN TRANSFER_LOG L ON L.WORKER = T.WORKER "
                            + "GROUP BY T.WORKER, T.TRANSACTIONS, T.AMOUNT ORDER BY T.WORKER")) {
                        int rows = 0;
                        while (rs.next()) {
                            rows++;
                            assertEquals(rs.getLong(4), rs.getLong(2), "worker " + rs.getInt(1) + ": total counts its log rows");
                            assertEquals(rs.getLong(5), rs.getLong(3), "worker " + rs.getInt(1) + ": total sums its log rows");
                        }
                        assertEquals(THREADS, rows);
                    }
                }
                assertTrue(pool.getHikariPoolMXBean().getTotalConnections() <= 4);
                System.out.println("connection pool through a leader crash: node " + leader + " crashed; "
                        + ledger.acknowledged().size() + " commits in all; the first transaction begun after the crash "
                        + "committed " + recoveredMillis + " ms after it, every thread 10 more within " + allRecoveredMillis
                        + " ms; failures " + ledger.failures() + "; outcome unknown "
                        + ledger.unknown().size() + "; pool " + pool.getHikariPoolMXBean().getTotalConnections());
            } finally {
                stop.set(true);
                workers.shutdownNow();
                assertTrue(workers.awaitTermination(60, TimeUnit.SECONDS));
            }
        }
    }

    /** One transaction as an application writes it: borrow, two statements, commit; on failure roll back. */
    private static void transfer(HikariDataSource pool, int worker, long id, TransactionLedger ledger) {
        int amount = (int) (id % 97) + 1;
        long begun = System.nanoTime();
        boolean committing = false;
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement log = c.prepareStatement("INSERT INTO TRANSFER_LOG VALUES (?, ?, ?)")) {
                    log.setLong(1, id);
                    log.setInt(2, worker);
                    log.setInt(3, amount);
                    assertEquals(1, log.executeUpdate());
                }
                try (PreparedStatement total = c.prepareStatement(
                        "UPDATE WORKER_TOTAL SET TRANSACTIONS = TRANSACTIONS + 1, AMOUNT = AMOUNT + ? WHERE WORKER = ?")) {
                    total.setInt(1, amount);
                    total.setInt(2, worker);
                    assertEquals(1, total.executeUpdate());
                }
                committing = true;
                c.commit();
                ledger.committed(worker, id, begun);
            } catch (SQLException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            ledger.failed(id, committing, e);
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // The link is gone: the node rolls the transaction back itself, and the pool evicts the connection.
        }
    }

    /** What the workers saw: acknowledged commits, outcomes unknown, failures by SQLState. */
    private static final class TransactionLedger {
        private final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        private final Set<Long> unknown = ConcurrentHashMap.newKeySet();
        private final AtomicIntegerArray commits = new AtomicIntegerArray(THREADS);
        private final Map<String, Integer> failures = new ConcurrentSkipListMap<>();
        private final Map<String, String> unexpected = new ConcurrentSkipListMap<>();
        /** Each acknowledged transaction's begin and commit, on System.nanoTime. */
        private final ConcurrentLinkedQueue<long[]> commitTimes = new ConcurrentLinkedQueue<>();

        void committed(int worker, long id, long begunNanos) {
            acknowledged.add(id);
            commits.incrementAndGet(worker);
            commitTimes.add(new long[] {begunNanos, System.nanoTime()});
        }

        /**
         * Before its commit a transaction has applied nothing, whatever the failure; a commit that
         * failed with 40001 was not applied; any other failure of a commit leaves its outcome open.
         */
        void failed(long id, boolean committing, SQLException e) {
            String state = String.valueOf(e.getSQLState());
            failures.merge(state + (committing ? " at commit" : ""), 1, Integer::sum);
            if (committing && !state.equals("40001")) {
                unknown.add(id);
            }
            // A failover cuts transactions (40001), leaves commits unknown (40003) or fails a link or a connect (08...).
            if (!state.startsWith("40") && !state.startsWith("08")) {
                unexpected.putIfAbsent(state, e.toString());
            }
        }

        int[] commitsPerWorker() {
            int[] now = new int[THREADS];
            for (int w = 0; w < THREADS; w++) {
                now[w] = commits.get(w);
            }
            return now;
        }

        int leastCommitsPerWorker() {
            return leastCommitsSince(new int[THREADS]);
        }

        int leastCommitsSince(int[] before) {
            int least = Integer.MAX_VALUE;
            for (int w = 0; w < THREADS; w++) {
                least = Math.min(least, commits.get(w) - before[w]);
            }
            return least;
        }

        /** When the first transaction begun after {@code nanos} committed. */
        long firstCommitBegunAfter(long nanos) {
            return commitTimes.stream().filter(t -> t[0] > nanos).mapToLong(t -> t[1]).min().orElseThrow();
        }

        Set<Long> acknowledged() {
            return acknowledged;
        }

        Set<Long> unknown() {
            return unknown;
        }

        Map<String, Integer> failures() {
            return failures;
        }

        Map<String, String> unexpected() {
            return unexpected;
        }
    }

    private static void run(HikariDataSource pool, String table, boolean checkIsValid) throws Exception {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + table + "(ID BIGINT PRIMARY KEY, WORKER INT NOT NULL, SEQ INT NOT NULL, TEXT VARCHAR(40))");
        }
        ConcurrentLinkedQueue<Long> inserted = new ConcurrentLinkedQueue<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MILLIS);
        ExecutorService workers = Executors.newFixedThreadPool(THREADS);
        List<Future<Integer>> results = new ArrayList<>();
        for (int w = 0; w < THREADS; w++) {
            int worker = w;
            results.add(workers.submit(() -> {
                SplittableRandom random = new SplittableRandom(worker);
                List<Long> mine = new ArrayList<>();
                int seq = 0;
                while (System.nanoTime() < deadline) {
                    long id = worker * 1_000_000L + seq;
                    try (Connection c = pool.getConnection()) {
                        assertTrue(c.getAutoCommit(), "a pooled connection is handed out in auto-commit");
                        try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?, ?)")) {
                            ins.setLong(1, id);
                            ins.setInt(2, worker);
                            ins.setInt(3, seq);
                            ins.setString(4, "w" + worker + "-" + seq);
                            assertEquals(1, ins.executeUpdate());
                        }
                        mine.add(id);
                        inserted.add(id);
                        // Read back this row, and one written earlier by this worker (maybe on another connection).
                        long earlier = mine.get(random.nextInt(mine.size()));
                        for (long probe : new long[] {id, earlier}) {
                            try (PreparedStatement sel = c.prepareStatement("SELECT WORKER, SEQ, TEXT FROM " + table + " WHERE ID = ?")) {
                                sel.setLong(1, probe);
                                try (ResultSet rs = sel.executeQuery()) {
                                    assertTrue(rs.next(), "row " + probe + " is visible after its insert");
                                    assertEquals(worker, rs.getInt(1));
                                    assertEquals((int) (probe % 1_000_000L), rs.getInt(2));
                                    assertEquals("w" + worker + "-" + probe % 1_000_000L, rs.getString(3));
                                    assertFalse(rs.next());
                                }
                            }
                        }
                    }
                    seq++;
                }
                return seq;
            }));
        }
        workers.shutdown();
        int total = 0;
        for (Future<Integer> f : results) {
            total += f.get(RUN_MILLIS + 60_000, TimeUnit.MILLISECONDS);
        }
        assertTrue(workers.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(total, inserted.size());
        assertTrue(total >= THREADS, "every worker inserted at least once; total " + total);

        Set<Long> expected = new TreeSet<>(inserted);
        assertEquals(total, expected.size(), "no id was handed out twice");
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT ID) FROM " + table)) {
                assertTrue(rs.next());
                assertEquals(total, rs.getLong(1), "every insert is there exactly once");
                assertEquals(total, rs.getLong(2));
            }
            Set<Long> actual = new TreeSet<>();
            try (ResultSet rs = s.executeQuery("SELECT ID FROM " + table + " ORDER BY ID")) {
                while (rs.next()) {
                    assertTrue(actual.add(rs.getLong(1)), "duplicate row " + rs.getLong(1));
                }
            }
            assertEquals(expected, actual);
        }

        // The pool never grew past its limit, and all of its connections validate.
        assertTrue(pool.getHikariPoolMXBean().getTotalConnections() <= 4);
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                held.add(pool.getConnection());
            }
            assertEquals(4, pool.getHikariPoolMXBean().getActiveConnections());
            for (Connection c : held) {
                if (checkIsValid) {
                    assertTrue(c.isValid(2), "a pooled connection validates");
                }
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
                    assertTrue(rs.next());
                    assertEquals(total, rs.getLong(1));
                }
            }
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
        System.out.println("connection pool " + pool.getPoolName() + ": threads=" + THREADS + " inserts=" + total + " pool=" + pool.getHikariPoolMXBean().getTotalConnections());
    }
}
