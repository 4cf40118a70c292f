package io.flotilla.sql;

import static io.flotilla.sql.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.changes.ContentDigest;
import io.flotilla.statemachine.keys.KeyEncoding;
import io.flotilla.statemachine.range.RangeBounds;
import io.flotilla.statemachine.range.RangeReplica;
import org.h2.value.ValueInteger;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Splits while clients write: four writers insert keys all over the table through every node
 * while the data range splits three times. Every acknowledged row must end up exactly once, in
 * the range whose span holds its key, on every replica of it; no row may be in a range that does
 * not own it; and auto-commit writers must hear nothing of the splits (the node routes them again).
 * A reader meanwhile reads the whole table again and again (across ranges once it split): each read
 * holds every row acknowledged before it began, once, and hears nothing of the splits either.
 */
class SplitUnderLoadTest {

    private static final int WRITERS = 4;
    private static final int KEYS = 4000;

    @Test
    void everyAcknowledgedRowIsInTheOneRangeThatOwnsItsKey() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE T(ID INT PRIMARY KEY, V VARCHAR(20))");
            }
            Set<Integer> acknowledged = new ConcurrentSkipListSet<>();
            Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong longestGapNanos = new AtomicLong();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                Thread t = new Thread(() -> write(nodes, writer, acknowledged, errors, stop, longestGapNanos),
                        "split-load-writer-" + w);
                writers.add(t);
                t.start();
            }
            Map<String, AtomicLong> readErrors = new ConcurrentHashMap<>();
            List<String> readViolations = Collections.synchronizedList(new ArrayList<>());
            AtomicLong reads = new AtomicLong();
            Thread reader = new Thread(() -> read(nodes, acknowledged, readErrors, readViolations, reads, stop),
                    "split-load-reader");
            writers.add(reader);
            reader.start();
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                await("writes flow", () -> acknowledged.size() >= 100);
                s.execute("ALTER TABLE T SPLIT AT VALUES (2000)");
                int before = acknowledged.size();
                await("writes flow after the first split", () -> acknowledged.size() >= before + 100);
                s.execute("ALTER TABLE T SPLIT AT VALUES (1000)");
                s.execute("ALTER TABLE T SPLIT AT VALUES (3000)");
                int after = acknowledged.size();
                await("writes flow after the third split", () -> acknowledged.size() >= after + 200);
            } finally {
                stop.set(true);
                for (Thread t : writers) {
                    t.join();
                }
            }
            System.out.println("split under load: " + acknowledged.size() + " rows acknowledged, errors heard "
                    + errors + ", longest gap between a writer's acknowledgements "
                    + longestGapNanos.get() / 1_000_000 + " ms");
            assertTrue(errors.isEmpty(), "auto-commit writers heard of the splits: " + errors);
            System.out.println("split under load: " + reads.get() + " whole-table reads, errors heard " + readErrors);
            assertTrue(readViolations.isEmpty(), "reads missed acknowledged rows: " + readViolations);
            assertTrue(readErrors.isEmpty(), "whole-table readers heard of the splits: " + readErrors);
            assertTrue(reads.get() > 0, "no whole-table read completed");

            await("every replica of every range applied the same entries", () -> {
                for (long range : nodes.node(1).replicas().keySet()) {
                    Set<Long> applied = new HashSet<>();
                    for (long id = 1; id <= 3; id++) {
                        if (!nodes.node(id).replicas().containsKey(range)) {
                            return false;
                        }
                        applied.add(nodes.node(id).replica(range).applied());
                    }
                    if (applied.size() != 1) {
                        return false;
                    }
                }
                return nodes.node(1).replicas().size() == 5;
            });
            for (long range : nodes.node(1).replicas().keySet()) {
                Set<String> digests = new HashSet<>();
                for (long id = 1; id <= 3; id++) {
                    try (Connection rc = nodes.node(id).replica(range).store().connect()) {
                        digests.add(ContentDigest.ofRows(rc));
                    }
                }
                assertEquals(1, digests.size(), "replicas of range " + range + " differ");
            }

            // Each row in exactly one range, the one whose span holds its key; together, exactly the acknowledged rows.
            Node node = nodes.node(1);
            long tableId = node.replica(Node.DATA_RANGE).tableIds().values().iterator().next();
            Map<Integer, Long> owner = new TreeMap<>();
            for (Map.Entry<Long, RangeReplica> e : node.replicas().entrySet()) {
                if (e.getKey() == Node.META_RANGE) {
                    continue;
                }
                RangeBounds bounds = e.getValue().bounds().orElseThrow();
                for (int id : ids(e.getValue())) {
                    Long other = owner.put(id, e.getKey());
                    assertEquals(null, other, "row " + id + " is in ranges " + other + " and " + e.getKey());
                    assertTrue(bounds.span().contains(KeyEncoding.rowKey(tableId, ValueInteger.get(id))),
                            "row " + id + " is outside range " + e.getKey() + "'s span");
                }
            }
            assertEquals(new TreeSet<>(acknowledged), owner.keySet(),
                    "the rows held are exactly the acknowledged ones (an unacknowledged write may not have applied; none did)");
        }
    }

    private static List<Integer> ids(RangeReplica replica) throws SQLException {
        List<Integer> ids = new ArrayList<>();
        try (Connection c = replica.store().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT ID FROM T")) {
            while (rs.next()) {
                ids.add(rs.getInt(1));
            }
        }
        return ids;
    }

    /**
     * Reads the whole table, through each node in turn, until told to stop: once the table is
     * split, a query across ranges. Each read must hold every row acknowledged before it began,
     * each once.
     */
    private static void read(LocalNodes nodes, Set<Integer> acknowledged, Map<String, AtomicLong> errors,
                             List<String> violations, AtomicLong reads, AtomicBoolean stop) {
        for (int i = 0; !stop.get(); i++) {
            try (Connection c = DriverManager.getConnection(nodes.url((i % 3) + 1)); Statement s = c.createStatement()) {
                Set<Integer> before = new TreeSet<>(acknowledged);
                Set<Integer> seen = new HashSet<>();
                try (ResultSet rs = s.executeQuery("SELECT ID FROM T")) {
                    while (rs.next()) {
                        if (!seen.add(rs.getInt(1))) {
                            violations.add("read " + i + " saw row " + rs.getInt(1) + " twice");
                        }
                    }
                }
                before.removeAll(seen);
                if (!before.isEmpty()) {
                    violations.add("read " + i + " missed acknowledged rows " + before);
                }
                reads.incrementAndGet();
            } catch (SQLException e) {
                errors.computeIfAbsent(e.getSQLState() + " " + e.getMessage(), x -> new AtomicLong()).incrementAndGet();
            }
        }
    }

    /** Inserts keys writer, writer + 4, ... spread over the table, in a shuffled order, until told to stop. */
    private static void write(LocalNodes nodes, int writer, Set<Integer> acknowledged, Map<String, AtomicLong> errors,
                              AtomicBoolean stop, AtomicLong longestGapNanos) {
        List<Integer> keys = new ArrayList<>();
        for (int k = writer; k < KEYS; k += WRITERS) {
            keys.add(k);
        }
        Collections.shuffle(keys, new Random(writer));
        try (Connection c = DriverManager.getConnection(nodes.url((writer % 3) + 1));
             PreparedStatement insert = c.prepareStatement("INSERT INTO T VALUES (?, ?)")) {
            long last = System.nanoTime();
            for (int key : keys) {
                if (stop.get()) {
                    return;
                }
                insert.setInt(1, key);
                insert.setString(2, "w" + writer);
                try {
                    insert.executeUpdate();
                    acknowledged.add(key);
                    long now = System.nanoTime();
                    longestGapNanos.accumulateAndGet(now - last, Math::max);
                    last = now;
                } catch (SQLException e) {
                    errors.computeIfAbsent(e.getSQLState() + " " + e.getMessage(), x -> new AtomicLong()).incrementAndGet();
                }
            }
        } catch (SQLException e) {
            errors.computeIfAbsent("connection " + e.getSQLState() + " " + e.getMessage(), x -> new AtomicLong())
                    .incrementAndGet();
        }
    }
}
