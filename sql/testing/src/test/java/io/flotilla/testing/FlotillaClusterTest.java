package io.flotilla.testing;

import io.flotilla.sql.node.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each hook against a cluster of its own: SQL goes on, served from where the hook says. Every
 * wait is on a condition with a deadline; a hook that does not do what it says fails its test.
 */
class FlotillaClusterTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void sqlRoundTripAndEveryReplicaApplies() throws Exception {
        try (FlotillaCluster cluster = startThree()) {
            assertTrue(cluster.jdbcUrl().startsWith("jdbc:flotilla://127.0.0.1:"), cluster.jdbcUrl());
            assertEquals(3, cluster.jdbcUrl().split(",").length);
            try (Connection c = cluster.connection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE ROUND_TRIP(ID INT PRIMARY KEY, NAME VARCHAR(20))");
                s.execute("INSERT INTO ROUND_TRIP VALUES (1, 'one')");
                assertEquals("one", name(s, 1));
                String lsn = c.getClientInfo("flotilla.lsn");
                cluster.awaitApplied(lsn, WAIT);
                long index = Long.parseLong(lsn.substring(lsn.indexOf(':') + 1));
                for (long id : cluster.nodes()) {
                    assertTrue(cluster.node(id).replica(Node.DATA_RANGE).applied() >= index, "node " + id);
                }
            }
            try (Connection c = cluster.dataSource().getConnection(); Statement s = c.createStatement()) {
                assertEquals("one", name(s, 1));
            }
        }
    }

    @Test
    void leaderKilledInsideATransactionFailsItsCommitAndTheRetrySucceeds() throws Exception {
        try (FlotillaCluster cluster = startThree(); Connection c = cluster.connection();
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE ACCOUNT(ID INT PRIMARY KEY, BALANCE INT)");
            s.execute("INSERT INTO ACCOUNT VALUES (1, 100)");
            c.setAutoCommit(false);
            s.executeUpdate("UPDATE ACCOUNT SET BALANCE = BALANCE - 10 WHERE ID = 1");
            long leader = cluster.leader();
            cluster.kill(leader);
            SQLException lost = assertThrows(SQLException.class, () -> {
                s.executeUpdate("UPDATE ACCOUNT SET BALANCE = BALANCE - 1 WHERE ID = 1");
                c.commit();
            });
            System.out.printf("leader kill inside a transaction: %s %s%n", lost.getSQLState(), lost.getMessage());
            assertTrue(lost instanceof SQLTransactionRollbackException, lost.toString());
            // 40001: the transaction is gone, retry it; 40003 only for a commit sent before the crash.
            assertEquals("40001", lost.getSQLState());
            c.rollback();

            long next = cluster.awaitLeader(Node.DATA_RANGE, WAIT);
            assertNotEquals(leader, next);
            s.executeUpdate("UPDATE ACCOUNT SET BALANCE = BALANCE - 10 WHERE ID = 1");
            c.commit();
            c.setAutoCommit(true);
            assertEquals(90, balance(s));

            cluster.restart(leader);
            cluster.awaitApplied(c.getClientInfo("flotilla.lsn"), WAIT);
            try (Connection direct = DriverManager.getConnection(cluster.jdbcUrl(leader) + "?consistency=stale");
                 Statement read = direct.createStatement()) {
                assertEquals(90, balance(read), "the restarted node replayed its log and caught up");
            }
        }
    }

    @Test
    void isolatedLeaderIsReplacedAndCatchesUpAfterHeal() throws Exception {
        try (FlotillaCluster cluster = startThree(); Connection c = cluster.connection();
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE T(ID INT PRIMARY KEY)");
            long leader = cluster.leader();
            cluster.isolate(leader);
            long next = cluster.awaitLeader(Node.DATA_RANGE, WAIT);
            assertNotEquals(leader, next);
            s.execute("INSERT INTO T VALUES (1)");
            String lsn = c.getClientInfo("flotilla.lsn");
            long index = index(lsn);
            assertTrue(cluster.node(leader).replica(Node.DATA_RANGE).applied() < index,
                    "an isolated node receives nothing");
            TimeoutException behind = assertThrows(TimeoutException.class,
                    () -> cluster.awaitApplied(lsn, Duration.ofMillis(300)));
            assertTrue(behind.getMessage().contains("{" + leader + "="), behind.getMessage());

            cluster.heal();
            cluster.awaitApplied(lsn, WAIT);
            assertTrue(cluster.node(leader).replica(Node.DATA_RANGE).applied() >= index);
        }
    }

    @Test
    void minorityPartitionLosesTheLeaderAndTheMajorityGoesOn() throws Exception {
        try (FlotillaCluster cluster = FlotillaCluster.builder().nodes(3).start(); Connection c = cluster.connection();
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE T(ID INT PRIMARY KEY)");
            long leader = cluster.leader();
            cluster.partition(Set.of(leader));
            long next = cluster.awaitLeader(Node.DATA_RANGE, WAIT);
            assertNotEquals(leader, next);
            s.execute("INSERT INTO T VALUES (1)");
            long index = index(c.getClientInfo("flotilla.lsn"));
            assertTrue(cluster.node(leader).replica(Node.DATA_RANGE).applied() < index);
            // The minority's old leader cannot commit: its replica stops serving once it sees no quorum.
            assertTrue(Eventually.within(WAIT, () -> !cluster.node(leader).replica(Node.DATA_RANGE).serving()));

            cluster.heal();
            cluster.awaitApplied(Node.DATA_RANGE, index, WAIT);
            assertEquals(1, count(s));
        }
    }

    @Test
    void aFollowerCutFromTheLeaderAloneFallsBehindAndCatchesUpAfterHeal() throws Exception {
        try (FlotillaCluster cluster = startThree(); Connection c = cluster.connection();
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE T(ID INT PRIMARY KEY)");
            long leader = cluster.leader();
            long follower = leader % 3 + 1;
            cluster.cut(leader, follower);
            s.execute("INSERT INTO T VALUES (1)");
            long index = index(c.getClientInfo("flotilla.lsn"));
            assertEquals(leader, cluster.leader(), "the third node still follows the leader: no election");
            assertTrue(cluster.node(follower).replica(Node.DATA_RANGE).applied() < index);

            cluster.heal();
            cluster.awaitApplied(index, WAIT);
        }
    }

    @Test
    void pausedLeaderIsReplacedAndItsClientsFailOver() throws Exception {
        try (FlotillaCluster cluster = startThree()) {
            long leader = cluster.leader();
            try (Connection onLeader = DriverManager.getConnection(cluster.jdbcUrl(leader));
                 Statement s = onLeader.createStatement()) {
                s.execute("CREATE TABLE T(ID INT PRIMARY KEY)");
                cluster.pause(leader);
                long next = cluster.awaitLeader(WAIT);
                assertNotEquals(leader, next);
                // The connection's node answers nothing now, not even keep-alives: the driver gives its
                // link up after the link timeout and resends the write to the leader.
                long before = System.nanoTime();
                s.execute("INSERT INTO T VALUES (1)");
                System.out.printf("pause: an auto-commit write on the paused leader's connection went through"
                        + " after %d ms%n", (System.nanoTime() - before) / 1_000_000);
                long index = index(onLeader.getClientInfo("flotilla.lsn"));
                assertTrue(cluster.node(leader).replica(Node.DATA_RANGE).applied() < index, "a paused node applies nothing");

                // Its client port accepts and answers nothing, as a stopped process's would.
                SQLException silent = assertThrows(SQLException.class,
                        () -> DriverManager.getConnection(cluster.jdbcUrl(leader) + "?connectTimeout=300").close());
                assertTrue(silent.getSQLState().startsWith("08"), silent.toString());

                cluster.resume(leader);
                cluster.awaitApplied(Node.DATA_RANGE, index, WAIT);
                assertEquals(1, count(s));
            }
        }
    }

    @Test
    void transferLeadershipMovesTheLeaderWhereAsked() throws Exception {
        try (FlotillaCluster cluster = startThree()) {
            for (long range : new long[] {Node.DATA_RANGE, Node.META_RANGE}) {
                long leader = cluster.leader(range);
                long target = leader % 3 + 1;
                cluster.transferLeadership(range, target);
                assertEquals(target, cluster.leader(range));
            }
            try (Connection c = cluster.connection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE T(ID INT PRIMARY KEY)");
                s.execute("INSERT INTO T VALUES (1)");
                assertEquals(1, count(s));
            }
        }
    }

    @Test
    void learnerJoinsCatchesUpAndServesReads() throws Exception {
        try (FlotillaCluster cluster = startThree(); Connection c = cluster.connection();
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE T(ID INT PRIMARY KEY)");
            s.execute("INSERT INTO T VALUES (1)");
            long learner = cluster.addLearner();
            assertEquals(4, learner);
            assertEquals(4, cluster.jdbcUrl().split(",").length);
            s.execute("INSERT INTO T VALUES (2)");
            cluster.awaitApplied(c.getClientInfo("flotilla.lsn"), WAIT);
            assertTrue(cluster.node(learner).host().inspect(Node.DATA_RANGE, r -> r.membership().learners().contains(learner))
                    .get());
            try (Connection onLearner = DriverManager.getConnection(cluster.jdbcUrl(learner) + "?consistency=stale");
                 Statement read = onLearner.createStatement()) {
                assertEquals(2, count(read));
            }
        }
    }

    @Test
    void twoClustersAtOnceInOneJvm() throws Exception {
        try (FlotillaCluster a = startThree(); FlotillaCluster b = startThree();
             Connection ca = a.connection(); Connection cb = b.connection();
             Statement sa = ca.createStatement(); Statement sb = cb.createStatement()) {
            assertNotEquals(a.jdbcUrl(), b.jdbcUrl());
            sa.execute("CREATE TABLE T(ID INT PRIMARY KEY)");
            sb.execute("CREATE TABLE T(ID INT PRIMARY KEY)");
            sa.execute("INSERT INTO T VALUES (1)");
            sa.execute("INSERT INTO T VALUES (2)");
            sb.execute("INSERT INTO T VALUES (1)");
            a.kill(a.leader());
            sb.execute("INSERT INTO T VALUES (2)");
            sb.execute("INSERT INTO T VALUES (3)");
            assertEquals(2, count(sa));
            assertEquals(3, count(sb));
        }
    }

    @Test
    void aGivenDataDirectoryIsKeptAndAClusterStartedOnItAgainFindsItsData(@TempDir Path directory) throws Exception {
        try (FlotillaCluster cluster = FlotillaCluster.builder().nodes(3).dataDirectory(directory).start();
             Connection c = cluster.connection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE T(ID INT PRIMARY KEY)");
            s.execute("INSERT INTO T VALUES (1)");
            cluster.awaitApplied(c.getClientInfo("flotilla.lsn"), WAIT);
        }
        assertTrue(Files.isDirectory(directory.resolve("node-1")), "kept");
        // New ports, the same nodes and data: as a cluster whose machines came back with new addresses.
        try (FlotillaCluster again = FlotillaCluster.builder().nodes(3).dataDirectory(directory).start();
             Connection c = again.connection(); Statement s = c.createStatement()) {
            assertEquals(1, count(s));
            s.execute("INSERT INTO T VALUES (2)");
            assertEquals(2, count(s));
        }
    }

    @Test
    void hooksRefuseWhatTheyCannotDo() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> FlotillaCluster.builder().nodeSetting("peers", "x"));
        try (FlotillaCluster cluster = FlotillaCluster.start(1)) {
            cluster.pause(1);
            assertThrows(IllegalStateException.class, () -> cluster.transferLeadership(Node.DATA_RANGE, 1));
            assertThrows(IllegalStateException.class, () -> cluster.restart(1));
            cluster.resume(1);
            assertEquals(1, cluster.leader());
            assertThrows(IllegalArgumentException.class, () -> cluster.kill(7));
            assertThrows(IllegalStateException.class, () -> cluster.restart(1));
            assertThrows(IllegalArgumentException.class, () -> cluster.awaitApplied("2-5", WAIT));
            cluster.kill(1);
            assertThrows(IllegalStateException.class, () -> cluster.kill(1));
            assertThrows(IllegalStateException.class, () -> cluster.node(1));
            assertFalse(cluster.runningNodes().contains(1L));
        }
    }

    /** A three-node cluster; prints how long it took to serve SQL (the first in a JVM pays for class loading). */
    private static FlotillaCluster startThree() throws Exception {
        long started = System.nanoTime();
        FlotillaCluster cluster = FlotillaCluster.start(3);
        System.out.printf("cluster start: 3 nodes serving SQL %d ms after start(3)%n", (System.nanoTime() - started) / 1_000_000);
        return cluster;
    }

    private static long index(String lsn) {
        return Long.parseLong(lsn.substring(lsn.indexOf(':') + 1));
    }

    private static String name(Statement s, int id) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT NAME FROM ROUND_TRIP WHERE ID = " + id)) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    private static int balance(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT BALANCE FROM ACCOUNT WHERE ID = 1")) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    private static int count(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM T")) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
