package io.flotilla.statemachine.range;

import io.flotilla.raft.embedded.EmbeddedCluster;
import io.flotilla.statemachine.keys.KeyEncoding;
import org.h2.value.ValueInteger;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A range's part of a transaction across ranges on a 3-node embedded cluster (docs/ranges.md,
 * "Cross-range transactions"): prepared, its rows are in no replica's tables and locked on the
 * leader, also on a new leader after a leadership transfer; the decision in the record range
 * resolves the part on every replica; an abort without a record leaves one that refuses a late
 * prepare; splits and schema changes wait for prepared parts. Here the range is its own record range.
 */
class PreparedPartTest {

    private static final long RANGE = 1;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static Outcome await(CompletableFuture<Outcome> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    private static byte[] txn(int n) {
        byte[] id = new byte[16];
        id[15] = (byte) n;
        return id;
    }

    private static int exec(RangeSession s, String sql) throws SQLException {
        return s.run(c -> {
            try (Statement st = c.createStatement()) {
                return st.executeUpdate(sql);
            }
        });
    }

    private static long count(RangeReplica replica, String sql) throws SQLException {
        try (Connection c = replica.store().connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Waits until every replica has applied {@code index}; asserts they hold the same rows. */
    private static void sameEverywhere(RangeCluster rc, long index) throws Exception {
        Map<Long, String> digests = rc.digestsAt(index, WAIT);
        assertEquals(1, digests.values().stream().distinct().count(), "replicas differ: " + digests);
    }

    private static RangeSession tableWithRow(RangeCluster rc) throws Exception {
        RangeSession s = rc.replica(rc.awaitServing(WAIT)).session(new byte[] {1});
        await(s.schemaChange("CREATE TABLE T(ID INT PRIMARY KEY, V INT)", 1));
        exec(s, "INSERT INTO T VALUES (1, 0)");
        await(s.commit(2));
        return s;
    }

    /** A write of row 1 by another session fails on its lock within 200 ms (the prepared part holds it). */
    private static void rowOneIsLocked(RangeReplica leader) throws SQLException {
        try (RangeSession other = leader.session(new byte[] {9})) {
            other.setting("SET LOCK_TIMEOUT 200");
            SQLException locked = assertThrows(SQLException.class, () -> exec(other, "UPDATE T SET V = 99 WHERE ID = 1"));
            assertTrue(locked.getMessage().contains("Timeout") || locked.getMessage().contains("timeout"),
                    locked.getMessage());
            other.rollback();
        }
    }

    @Test
    void aPreparedPartIsInvisibleAndLockedUntilItsDecisionCommitsItEverywhere() throws Exception {
        try (RangeCluster rc = new RangeCluster(EmbeddedCluster.Options.defaults(3), RANGE, RangeReplica.Options.defaults());
             RangeSession s = tableWithRow(rc)) {
            RangeReplica leader = rc.replica(rc.awaitServing(WAIT));
            exec(s, "UPDATE T SET V = 10 WHERE ID = 1");
            exec(s, "INSERT INTO T VALUES (2, 20)");
            Outcome.Applied prepared = assertInstanceOf(Outcome.Applied.class,
                    await(s.prepare(txn(1), RANGE, List.of(RANGE, 7L))));
            sameEverywhere(rc, prepared.index());
            for (long node : rc.nodes()) {
                RangeReplica r = rc.replica(node);
                assertEquals(0, count(r, "SELECT COUNT(*) FROM T WHERE V > 0"), "prepared rows visible on node " + node);
                assertEquals(1, count(r, "SELECT COUNT(*) FROM FLOTILLA.PREPARED"));
                assertEquals(1, count(r, "SELECT COUNT(*) FROM FLOTILLA.TXN_RECORDS WHERE STATUS = 'PENDING'"));
            }
            rowOneIsLocked(leader);
            SQLException busy = assertThrows(SQLException.class, () -> exec(s, "UPDATE T SET V = 5 WHERE ID = 2"));
            assertEquals(SqlStates.OUTCOME_UNKNOWN, busy.getSQLState(), "the session waits for its prepared part");

            Outcome.Applied decided = assertInstanceOf(Outcome.Applied.class, await(leader.proposeDecide(txn(1), true)));
            sameEverywhere(rc, decided.index());
            for (long node : rc.nodes()) {
                RangeReplica r = rc.replica(node);
                assertEquals(30, count(r, "SELECT SUM(V) FROM T"), "node " + node);
                assertEquals(0, count(r, "SELECT COUNT(*) FROM FLOTILLA.PREPARED"));
                assertEquals(1, count(r, "SELECT COUNT(*) FROM FLOTILLA.TXN_RECORDS WHERE STATUS = 'COMMITTED'"));
            }
            // Decided once: an abort after the commit finds the record committed and says so.
            assertInstanceOf(Outcome.Applied.class, await(leader.proposeDecide(txn(1), false)));
            // Every part resolved, the coordinator has the record forgotten.
            Outcome.Applied forgot = assertInstanceOf(Outcome.Applied.class, await(leader.proposeForget(txn(1))));
            sameEverywhere(rc, forgot.index());
            for (long node : rc.nodes()) {
                assertEquals(0, count(rc.replica(node), "SELECT COUNT(*) FROM FLOTILLA.TXN_RECORDS"), "node " + node);
            }
            exec(s, "UPDATE T SET V = 11 WHERE ID = 1");
            await(s.commit(3));
        }
    }

    @Test
    void aNewLeaderTakesThePreparedLocksAgainAndResolvesThePart() throws Exception {
        try (RangeCluster rc = new RangeCluster(EmbeddedCluster.Options.defaults(3), RANGE, RangeReplica.Options.defaults());
             RangeSession s = tableWithRow(rc)) {
            long old = rc.awaitServing(WAIT);
            exec(s, "UPDATE T SET V = 10 WHERE ID = 1");
            Outcome.Applied prepared = assertInstanceOf(Outcome.Applied.class, await(s.prepare(txn(2), 5, List.of())));
            sameEverywhere(rc, prepared.index());
            long target = rc.nodes().stream().filter(n -> n != old).findFirst().orElseThrow();
            assertTrue(rc.cluster.transferLeadership(RANGE, target, WAIT));
            RangeReplica leader = rc.replica(target);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!leader.serving() || rc.replica(old).serving()) {
                assertTrue(System.nanoTime() < deadline, "the leadership did not move to node " + target);
                Thread.sleep(5);
            }
            assertEquals(1, leader.preparedParts().size());
            rowOneIsLocked(leader);

            Outcome.Applied resolved = assertInstanceOf(Outcome.Applied.class, await(leader.proposeResolve(txn(2), true)));
            sameEverywhere(rc, resolved.index());
            for (long node : rc.nodes()) {
                assertEquals(10, count(rc.replica(node), "SELECT V FROM T WHERE ID = 1"), "node " + node);
            }
            // Resolved: the row is free again, and a second resolve applies nothing.
            await(leader.proposeResolve(txn(2), false));
            try (RangeSession again = leader.session(new byte[] {3})) {
                exec(again, "UPDATE T SET V = 12 WHERE ID = 1");
                Outcome.Applied last = assertInstanceOf(Outcome.Applied.class, await(again.commit(1)));
                sameEverywhere(rc, last.index());
            }
            assertEquals(12, count(rc.replica(old), "SELECT V FROM T WHERE ID = 1"));
        }
    }

    @Test
    void anAbortBeforeTheRecordLeavesOneThatRefusesTheLatePrepare() throws Exception {
        try (RangeCluster rc = new RangeCluster(EmbeddedCluster.Options.defaults(3), RANGE, RangeReplica.Options.defaults());
             RangeSession s = tableWithRow(rc)) {
            RangeReplica leader = rc.replica(rc.awaitServing(WAIT));
            Outcome.Refused aborted = assertInstanceOf(Outcome.Refused.class, await(leader.proposeDecide(txn(3), false)));
            assertEquals(SqlStates.ROLLED_BACK, aborted.sqlState());
            exec(s, "UPDATE T SET V = 10 WHERE ID = 1");
            Outcome.Refused late = assertInstanceOf(Outcome.Refused.class,
                    await(s.prepare(txn(3), RANGE, List.of(RANGE, 4L))));
            assertEquals(SqlStates.ROLLED_BACK, late.sqlState(), late.message());
            for (long node : rc.nodes()) {
                assertEquals(0, count(rc.replica(node), "SELECT COUNT(*) FROM FLOTILLA.PREPARED"));
            }
            // The refused part let go of its row.
            exec(s, "UPDATE T SET V = 13 WHERE ID = 1");
            await(s.commit(3));
        }
    }

    @Test
    void splitsAndSchemaChangesWaitForPreparedParts() throws Exception {
        try (RangeCluster rc = new RangeCluster(EmbeddedCluster.Options.defaults(3), RANGE, RangeReplica.Options.defaults());
             RangeSession s = tableWithRow(rc)) {
            RangeReplica leader = rc.replica(rc.awaitServing(WAIT));
            exec(s, "INSERT INTO T VALUES (50, 1)");
            await(s.prepare(txn(4), RANGE, List.of(RANGE, 8L)));
            long tableId;
            try (Connection c = leader.store().connect()) {
                tableId = TableIds.live(c).get(new TableName("PUBLIC", "T"));
            }
            ExecutionException split = assertThrows(ExecutionException.class,
                    () -> await(leader.proposeSplit(KeyEncoding.rowKey(tableId, new org.h2.value.Value[] {ValueInteger.get(10)}), 99)));
            assertEquals(SqlStates.NOT_SUPPORTED, ((SQLException) split.getCause()).getSQLState());
            try (RangeSession ddl = leader.session(new byte[] {4})) {
                Outcome.Refused refused = assertInstanceOf(Outcome.Refused.class,
                        await(ddl.schemaChange("ALTER TABLE T ADD COLUMN W INT", 1)));
                assertEquals(SqlStates.ROLLED_BACK, refused.sqlState(), refused.message());
                await(leader.proposeDecide(txn(4), true));
                assertInstanceOf(Outcome.Applied.class, await(ddl.schemaChange("ALTER TABLE T ADD COLUMN W INT", 2)));
            }
            assertEquals(2, count(leader, "SELECT COUNT(*) FROM T"));
        }
    }
}
