package io.flotilla.sql;

import static io.flotilla.sql.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.range.RangeReplica;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Splits by load on a 3-node cluster whose nodes split a range that runs more than 30 statements a
 * second: point updates spread over a table of 1,000 rows split its range near the middle of the
 * keys they name, while they go on, and none of them hears of it or is lost.
 */
class LoadSplitTest {

    private static final int ROWS = 1_000;

    private static long rows(RangeReplica replica) throws SQLException {
        try (Connection c = replica.store().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM T")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aBusyRangeSplitsWhereItsLoadIs() throws Exception {
        try (LocalNodes nodes = LocalNodes.withFlags(3, "--range-max-qps", "30")) {
            try (Connection c = DriverManager.getConnection(nodes.url(1)); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE T(ID INT PRIMARY KEY, V BIGINT NOT NULL)");
                s.execute("INSERT INTO T SELECT X, 0 FROM SYSTEM_RANGE(1, " + ROWS + ")");
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong acknowledged = new AtomicLong();
            Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int writer = w;
                Thread t = new Thread(() -> {
                    SplittableRandom random = new SplittableRandom(writer);
                    try (Connection c = DriverManager.getConnection(nodes.url(writer + 1));
                         PreparedStatement update = c.prepareStatement("UPDATE T SET V = V + 1 WHERE ID = ?")) {
                        while (!stop.get()) {
                            update.setInt(1, 1 + random.nextInt(ROWS));
                            try {
                                assertEquals(1, update.executeUpdate());
                                acknowledged.incrementAndGet();
                            } catch (SQLException e) {
                                errors.computeIfAbsent(e.getSQLState() + " " + e.getMessage(), x -> new AtomicLong())
                                        .incrementAndGet();
                            }
                        }
                    } catch (SQLException e) {
                        errors.computeIfAbsent("connection: " + e.getMessage(), x -> new AtomicLong()).incrementAndGet();
                    }
                }, "load-writer-" + w);
                writers.add(t);
                t.start();
            }
            try {
                await("the busy data range split", () ->
                        nodes.node(1).replicas().keySet().stream().filter(r -> r != Node.META_RANGE).count() >= 2);
                long before = acknowledged.get();
                await("updates go on after the split", () -> acknowledged.get() >= before + 200);
                double qps = 0;
                for (long id = 1; id <= 3; id++) {
                    try (Connection c = DriverManager.getConnection(nodes.url(id)); Statement s = c.createStatement();
                         ResultSet rs = s.executeQuery("SELECT MAX(QPS) FROM FLOTILLA.RANGES")) {
                        assertTrue(rs.next());
                        qps = Math.max(qps, rs.getDouble(1));
                    }
                }
                assertTrue(qps > 0, "FLOTILLA.RANGES shows the busy ranges' statements a second on their leaders");
            } finally {
                stop.set(true);
                for (Thread t : writers) {
                    t.join();
                }
            }
            assertTrue(errors.isEmpty(), "writers heard of the split: " + errors);
            await("every node holds both halves, all rows", () -> {
                for (long id = 1; id <= 3; id++) {
                    long total = 0;
                    for (Map.Entry<Long, RangeReplica> e : nodes.node(id).replicas().entrySet()) {
                        if (e.getKey() != Node.META_RANGE) {
                            total += rows(e.getValue());
                        }
                    }
                    if (total != ROWS) {
                        return false;
                    }
                }
                return true;
            });
            long low = rows(nodes.node(1).replica(Node.DATA_RANGE));
            assertTrue(low > ROWS / 5 && low < ROWS * 4 / 5, "split near the middle of uniform load: " + low
                    + " rows below it");
            try (Connection c = DriverManager.getConnection(nodes.url(3)); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT SUM(V), COUNT(*) FROM T")) {
                assertTrue(rs.next());
                assertEquals(acknowledged.get(), rs.getLong(1), "every acknowledged update counted once");
                assertEquals(ROWS, rs.getLong(2));
            }
            System.out.println("load split: " + acknowledged.get() + " updates; the first data range kept " + low
                    + " of " + ROWS + " rows");
        }
    }
}
