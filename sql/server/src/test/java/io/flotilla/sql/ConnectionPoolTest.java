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
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HikariCP (4 connections) in front of the JDBC driver and three real nodes: 8 threads borrow
 * connections and run auto-commit inserts and point selects for a few seconds.
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
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(nodes.url() + "?socketTimeout=15000");   // a hang fails the test instead of blocking it
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
