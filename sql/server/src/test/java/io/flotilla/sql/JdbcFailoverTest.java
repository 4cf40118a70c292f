package io.flotilla.sql;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.Commit;
import io.flotilla.protocol.Execute;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.protocol.wire.NodeConnection;
import io.flotilla.protocol.wire.QuietLinks;
import io.flotilla.sql.node.Node;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failover as a JDBC user sees it: auto-commit writes survive the leader's loss exactly once; a vanished client's transaction is rolled back. */
class JdbcFailoverTest {

    @Test
    void autoCommitWritesCarryOnThroughTheLossOfTheLeaderExactlyOnce() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE EVENTS(ID INT PRIMARY KEY, V INT)");
            }
            List<Integer> confirmed = Collections.synchronizedList(new ArrayList<>());
            Map<String, Integer> errors = Collections.synchronizedMap(new TreeMap<>());
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                try (Connection c = DriverManager.getConnection(nodes.url() + "?failoverTimeout=60000");
                     Statement s = c.createStatement()) {
                    for (int i = 0; !stop.get() && i < 100_000; i++) {
                        try {
                            s.executeUpdate("INSERT INTO EVENTS VALUES (" + i + ", " + i + ")");
                            confirmed.add(i);
                        } catch (SQLException e) {
                            errors.merge(e.getSQLState(), 1, Integer::sum);
                        }
                    }
                } catch (SQLException e) {
                    errors.merge("connect " + e.getSQLState(), 1, Integer::sum);
                }
            }, "failover-writer");
            writer.start();
            awaitCount(confirmed, 50);
            long leader = leaderOf(nodes);
            nodes.stop(leader);
            int beforeRestart = confirmed.size();
            awaitCount(confirmed, beforeRestart + 50);
            nodes.start(leader);
            awaitCount(confirmed, confirmed.size() + 50);
            stop.set(true);
            writer.join(60_000);

            assertFalse(errors.containsKey("23505"),
                    "a resent write was applied twice (duplicate key): " + errors);
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT ID FROM EVENTS")) {
                Set<Integer> present = new HashSet<>();
                while (rs.next()) {
                    present.add(rs.getInt(1));
                }
                for (int i : confirmed) {
                    assertTrue(present.contains(i), "confirmed write " + i + " is missing");
                }
                System.out.println("jdbc failover: leader node " + leader + " stopped and restarted under "
                        + confirmed.size() + " confirmed auto-commit writes; errors seen " + errors
                        + "; every confirmed write present once");
            }
        }
    }

    @Test
    void theTransactionOfAClientThatVanishesIsRolledBack() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE ACCOUNT(ID INT PRIMARY KEY, BALANCE INT)");
                s.executeUpdate("INSERT INTO ACCOUNT VALUES (1, 100)");
            }
            // A client opens a transaction that locks row 1 and then disappears without a word.
            InetSocketAddress any = nodes.node(1).sqlAddress();
            Hello hello = Hello.newBuilder().setSessionId(ByteString.copyFromUtf8("vanishing-client")).build();
            NodeConnection vanishing = NodeConnection.open(new HostAddress(any.getHostString(), any.getPort()), hello,
                    5_000, 30_000, 0);
            Response locked = vanishing.call(Request.newBuilder().setExecute(Execute.newBuilder()
                    .setSql("UPDATE ACCOUNT SET BALANCE = 0 WHERE ID = 1").setAutoCommit(false)));
            assertFalse(locked.hasError(), locked.toString());
            vanishing.close();

            // Another client must get the row without waiting out H2's 10 s lock timeout.
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.setQueryTimeout(5);
                assertEquals(1, s.executeUpdate("UPDATE ACCOUNT SET BALANCE = BALANCE + 1 WHERE ID = 1"));
                try (ResultSet rs = s.executeQuery("SELECT BALANCE FROM ACCOUNT WHERE ID = 1")) {
                    assertTrue(rs.next());
                    assertEquals(101, rs.getInt(1), "the vanished client's update must have been rolled back");
                }
            }
        }
    }

    /**
     * A client that promised keep-alives (Hello.keeps_alive, as forwarding nodes do) and falls
     * silent with a transaction open — cut off, its socket never closed — loses the transaction
     * after the link timeout, not the idle-in-transaction timeout: its locks must not hold up
     * others for a minute. One that keeps its quiet link alive keeps its transaction.
     */
    @Test
    void theTransactionOfAClientThatFallsSilentIsRolledBackAndOneKeptAliveIsNot() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE ACCOUNT(ID INT PRIMARY KEY, BALANCE INT)");
                s.executeUpdate("INSERT INTO ACCOUNT VALUES (1, 100), (2, 100)");
            }
            InetSocketAddress leader = nodes.node(nodes.awaitServing()).sqlAddress();
            HostAddress at = new HostAddress(leader.getHostString(), leader.getPort());
            NodeConnection silent = NodeConnection.open(at, Hello.newBuilder()
                    .setSessionId(ByteString.copyFromUtf8("silent-client")).setKeepsAlive(true).build(), 5_000, 0, 0);
            NodeConnection quiet = NodeConnection.open(at, Hello.newBuilder()
                    .setSessionId(ByteString.copyFromUtf8("quiet-client")).setKeepsAlive(true).build(), 5_000, 0, 0);
            try {
                assertFalse(silent.call(Request.newBuilder().setExecute(Execute.newBuilder()
                        .setSql("UPDATE ACCOUNT SET BALANCE = 0 WHERE ID = 1").setAutoCommit(false))).hasError());
                assertFalse(quiet.call(Request.newBuilder().setExecute(Execute.newBuilder()
                        .setSql("UPDATE ACCOUNT SET BALANCE = 50 WHERE ID = 2").setAutoCommit(false))).hasError());
                QuietLinks.SHARED.keepAlive(quiet);

                // Another client gets row 1 well within H2's 10 s lock timeout and the 60 s idle one.
                try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                    s.setQueryTimeout(5);
                    assertEquals(1, s.executeUpdate("UPDATE ACCOUNT SET BALANCE = BALANCE + 1 WHERE ID = 1"));
                }
                // Three link timeouts of quiet: the kept-alive transaction is still there, and commits.
                Thread.sleep(3 * nodes.node(1).config().electionTimeout().toMillis());
                Response commit = quiet.call(Request.newBuilder().setCommit(Commit.newBuilder().setSequence(1)));
                assertFalse(commit.hasError(), commit.toString());
                try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT BALANCE FROM ACCOUNT ORDER BY ID")) {
                    assertTrue(rs.next());
                    assertEquals(101, rs.getInt(1), "the silent client's update was rolled back");
                    assertTrue(rs.next());
                    assertEquals(50, rs.getInt(1), "the quiet client's transaction lived on and committed");
                }
            } finally {
                QuietLinks.SHARED.release(quiet);
                quiet.close();
                silent.close();
            }
        }
    }

    private static long leaderOf(LocalNodes nodes) {
        for (long id = 1; id <= 3; id++) {
            Node n = nodes.node(id);
            if (n != null && n.replica(Node.DATA_RANGE).serving()) {
                return id;
            }
        }
        throw new AssertionError("no leader");
    }

    private static void awaitCount(List<Integer> confirmed, int count) throws Exception {
        Eventually.await("writes go on past " + count + " confirmed", () -> confirmed.size() >= count);
    }
}
