package io.flotilla.statemachine.range;

import io.flotilla.raft.embedded.EmbeddedCluster;
import io.flotilla.statemachine.changes.ContentDigest;
import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.keys.KeyEncoding;
import io.flotilla.statemachine.keys.KeySpan;
import org.h2.value.ValueInteger;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A range splits in two on a 3-node embedded cluster (docs/ranges.md, "Split"): every replica
 * builds the new range from its own rows at the split's entry, the two ranges then own disjoint
 * halves of the keys and each serves its own, a write that reaches the wrong one is refused, and a
 * crash of every node right after the split loses nothing.
 */
class RangeSplitTest {

    private static final long RANGE = 2;
    private static final long NEW_RANGE = 3;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static Outcome await(CompletableFuture<Outcome> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    private static void update(RangeSession s, String sql) throws SQLException {
        s.run(c -> {
            try (Statement st = c.createStatement()) {
                return st.executeUpdate(sql);
            }
        });
    }

    private static long tableId(RangeReplica replica, String table) throws SQLException {
        try (Connection c = replica.store().connect()) {
            return TableIds.live(c).get(new TableName("PUBLIC", table));
        }
    }

    /** The ids in a table, in order, as one replica has them. */
    private static List<Integer> ids(RangeReplica replica, String table) throws SQLException {
        List<Integer> ids = new ArrayList<>();
        try (Connection c = replica.store().connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT ID FROM " + table + " ORDER BY ID")) {
            while (rows.next()) {
                ids.add(rows.getInt(1));
            }
        }
        return ids;
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> ids = new ArrayList<>();
        for (int i = from; i < to; i++) {
            ids.add(i);
        }
        return ids;
    }

    /** Waits until range {@code range} runs on every node and has applied {@code index} there; its digests by node. */
    private static Map<Long, String> digests(RangeCluster rc, long range, long index) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Map<Long, String> digests = new TreeMap<>();
        for (long node : rc.nodes()) {
            while (rc.replica(node, range) == null || rc.replica(node, range).applied() < index) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("range " + range + " did not reach index " + index + " on node " + node);
                }
                Thread.sleep(5);
            }
            try (Connection c = rc.replica(node, range).store().connect()) {
                digests.put(node, ContentDigest.ofRows(c));
            }
        }
        return digests;
    }

    private static long awaitServing(RangeCluster rc, long range) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (long node : rc.nodes()) {
                RangeReplica r = rc.cluster.isUp(node) ? rc.replica(node, range) : null;
                if (r != null && r.serving()) {
                    return node;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("range " + range + " has no serving leader within " + WAIT);
    }

    /** Tables T (ids 0..99) and U (ids 0..9), T's rows split at ID 50; returns the split's outcome. */
    private static Outcome.Applied splitT(RangeCluster rc) throws Exception {
        RangeReplica leader = rc.replica(rc.awaitServing(WAIT));
        try (RangeSession s = leader.session(new byte[] {1})) {
            await(s.schemaChange("CREATE TABLE T(ID INT PRIMARY KEY, V VARCHAR(20))", 1));
            await(s.schemaChange("CREATE TABLE U(ID INT PRIMARY KEY, V VARCHAR(20))", 2));
            update(s, "INSERT INTO T SELECT X, 't' || X FROM SYSTEM_RANGE(0, 99)");
            update(s, "INSERT INTO U SELECT X, 'u' || X FROM SYSTEM_RANGE(0, 9)");
            await(s.commit(3));
        }
        Key at = KeyEncoding.rowKey(tableId(leader, "T"), ValueInteger.get(50));
        return assertInstanceOf(Outcome.Applied.class, split(rc, at, NEW_RANGE));
    }

    /**
     * A split proposed by whichever replica leads the range, again where the lead moved before it
     * reached the log (a loaded machine holds elections now and then): its outcome, or why it was
     * refused before the log.
     */
    private static Outcome split(RangeCluster rc, Key at, long newRange) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                return await(rc.replica(rc.awaitServing(WAIT)).proposeSplit(at, newRange));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof SQLException sql) || !SqlStates.NOT_LEADER.equals(sql.getSQLState())
                        || System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    @Test
    void bothHalvesHoldTheirOwnRowsOnEveryReplicaAndTheirBoundsSaySo() throws Exception {
        try (RangeCluster rc = new RangeCluster(EmbeddedCluster.Options.defaults(3), RANGE, RangeReplica.Options.defaults())) {
            Outcome.Applied split = splitT(rc);
            Map<Long, String> left = rc.digestsAt(split.index(), WAIT);
            assertEquals(1, new HashSet<>(left.values()).size(), "replicas of the old range differ: " + left);
            // The new range starts at the split's index: its replicas are equal before any entry of its own.
            Map<Long, String> right = digests(rc, NEW_RANGE, split.index());
            assertEquals(1, new HashSet<>(right.values()).size(), "replicas of the new range differ: " + right);
            for (long node : rc.nodes()) {
                RangeReplica old = rc.replica(node);
                RangeReplica made = rc.replica(node, NEW_RANGE);
                assertEquals(range(0, 50), ids(old, "T"), "node " + node);
                assertEquals(List.of(), ids(old, "U"), "node " + node);
                assertEquals(range(50, 100), ids(made, "T"), "node " + node);
                assertEquals(range(0, 10), ids(made, "U"), "node " + node);
                Key at = KeyEncoding.rowKey(tableId(old, "T"), ValueInteger.get(50));
                assertEquals(new RangeBounds(RANGE, new KeySpan(KeySpan.ALL_TABLES.start(), at), 2), old.bounds().orElseThrow());
                assertEquals(new RangeBounds(NEW_RANGE, new KeySpan(at, null), 2), made.bounds().orElseThrow());
                assertEquals(old.schemaVersion(), made.schemaVersion(), "the new range has the same schema");
            }
        }
    }

    @Test
    void eachHalfServesItsOwnKeysAndRefusesTheOthers() throws Exception {
        try (RangeCluster rc = new RangeCluster(EmbeddedCluster.Options.defaults(3), RANGE, RangeReplica.Options.defaults())) {
            splitT(rc);
            RangeReplica left = rc.replica(rc.awaitServing(WAIT));
            RangeReplica right = rc.replica(awaitServing(rc, NEW_RANGE), NEW_RANGE);
            try (RangeSession l = left.session(new byte[] {2}); RangeSession r = right.session(new byte[] {3})) {
                update(l, "INSERT INTO T VALUES (-1, 'left')");
                assertInstanceOf(Outcome.Applied.class, await(l.commit(1)));
                update(r, "INSERT INTO T VALUES (1000, 'right')");
                update(r, "INSERT INTO U VALUES (1000, 'right')");
                Outcome.Applied applied = assertInstanceOf(Outcome.Applied.class, await(r.commit(1)));
                assertEquals(NEW_RANGE, applied.range());

                // Keys of the other half: H2 finds no conflict (the rows are not here), the span check refuses.
                update(l, "INSERT INTO T VALUES (70, 'stray')");
                Outcome.Refused refused = assertInstanceOf(Outcome.Refused.class, await(l.commit(2)));
                assertEquals(SqlStates.RANGE_MISMATCH, refused.sqlState(), refused.message());
                update(r, "INSERT INTO T VALUES (10, 'stray')");
                refused = assertInstanceOf(Outcome.Refused.class, await(r.commit(2)));
                assertEquals(SqlStates.RANGE_MISMATCH, refused.sqlState(), refused.message());
            }
            for (long node : rc.nodes()) {
                assertTrue(ids(rc.replica(node), "T").stream().allMatch(id -> id < 50), "node " + node);
            }
        }
    }

    @Test
    void aSplitThatCannotHoldIsRefusedBeforeTheLog() throws Exception {
        try (RangeCluster rc = new RangeCluster(EmbeddedCluster.Options.defaults(3), RANGE, RangeReplica.Options.defaults())) {
            RangeReplica leader = rc.replica(rc.awaitServing(WAIT));
            try (RangeSession s = leader.session(new byte[] {1})) {
                await(s.schemaChange("CREATE TABLE P(ID INT PRIMARY KEY)", 1));
                await(s.schemaChange("CREATE TABLE C(ID INT PRIMARY KEY, P INT REFERENCES P(ID))", 2));
                await(s.schemaChange("CREATE TABLE Q(ID INT PRIMARY KEY, CODE INT UNIQUE)", 3));
            }
            long p = tableId(leader, "P");
            long c = tableId(leader, "C");
            long q = tableId(leader, "Q");
            List<Key> refused = List.of(
                    KeySpan.ALL_TABLES.start(),                                  // the span's own start
                    KeySpan.ofTable(c).start(),                                  // between P and C, tied by a foreign key
                    KeyEncoding.rowKey(p, ValueInteger.get(5)),                  // inside P, which C references
                    KeyEncoding.rowKey(q, ValueInteger.get(5)));                 // inside Q, which has a unique constraint
            for (Key at : refused) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> split(rc, at, NEW_RANGE),
                        "split at " + at);
                assertEquals(SqlStates.NOT_SUPPORTED, ((SQLException) e.getCause()).getSQLState(), e.getCause().getMessage());
            }
            // Between C and Q nothing is tied across: that split holds.
            assertInstanceOf(Outcome.Applied.class, split(rc, KeySpan.ofTable(q).start(), NEW_RANGE));
            ExecutionException again = assertThrows(ExecutionException.class,
                    () -> split(rc, KeySpan.ofTable(q).start(), 4));
            assertEquals(SqlStates.NOT_SUPPORTED, ((SQLException) again.getCause()).getSQLState(), "now the span's end");
        }
    }

    @Test
    void aCrashOfEveryNodeRightAfterTheSplitLosesNothing() throws Exception {
        EmbeddedCluster.Options onDisk = EmbeddedCluster.Options.defaults(3).withLogs(EmbeddedCluster.Logs.ON_DISK);
        try (RangeCluster rc = new RangeCluster(onDisk, RANGE, RangeReplica.Options.defaults())) {
            Outcome.Applied split = splitT(rc);
            digests(rc, NEW_RANGE, split.index());
            for (long node : rc.nodes()) {
                rc.cluster.crash(node);
            }
            for (long node : rc.nodes()) {
                rc.cluster.restart(node);
            }
            Map<Long, String> left = rc.digestsAt(split.index(), WAIT);
            Map<Long, String> right = digests(rc, NEW_RANGE, split.index());
            assertEquals(1, new HashSet<>(left.values()).size(), "old range: " + left);
            assertEquals(1, new HashSet<>(right.values()).size(), "new range: " + right);
            for (long node : rc.nodes()) {
                assertEquals(range(0, 50), ids(rc.replica(node), "T"), "node " + node);
                assertEquals(range(50, 100), ids(rc.replica(node, NEW_RANGE), "T"), "node " + node);
                assertEquals(range(0, 10), ids(rc.replica(node, NEW_RANGE), "U"), "node " + node);
            }
            RangeReplica right2 = rc.replica(awaitServing(rc, NEW_RANGE), NEW_RANGE);
            try (RangeSession r = right2.session(new byte[] {4})) {
                update(r, "UPDATE T SET V = 'after' WHERE ID = 99");
                assertInstanceOf(Outcome.Applied.class, await(r.commit(1)));
            }
            assertNull(rc.replica(1, 99), "no other range appeared");
        }
    }
}
