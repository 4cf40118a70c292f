package io.flotilla.sql;

import static io.flotilla.sql.Eventually.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flotilla.raft.transport.HostResolver;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.NodeConfig;
import io.flotilla.sql.node.NodeEnvironment;
import io.flotilla.sql.server.ServingNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node given to the others by host name is found again after it comes back at another IP under
 * that name, as a Kubernetes pod does: node 3's Raft port is advertised as {@value #NAME}, bound
 * first on 127.0.0.2, then — after a stop, with the name moved — on 127.0.0.3, and it catches up
 * with writes made after the move.
 *
 * <p>The name is {@value #NAME} because the JDK resolves it too, to 127.0.0.1, where nothing of
 * node 3 listens: a node that resolved its peers once at startup (as {@link NodeEnvironment} did)
 * never reaches node 3 at all, and one that resolved through the resolver but kept the answer
 * loses it after the move. Other addresses of 127/8 are loopback on Linux; elsewhere the test is
 * skipped.
 */
class MovedPeerTest {

    private static final String NAME = "localhost";
    private static final String FIRST = "127.0.0.2";
    private static final String SECOND = "127.0.0.3";

    @TempDir
    Path data;

    private final Map<String, InetAddress> dns = new ConcurrentHashMap<>();
    private final HostResolver resolver = host -> {
        InetAddress moved = dns.get(host);
        return moved != null ? moved : InetAddress.getByName(host);
    };
    private final Map<Long, ServingNode> running = new TreeMap<>();

    @Test
    void aNodeThatMovesUnderItsNameIsFoundThere() throws Exception {
        assumeTrue(bindable(FIRST) && bindable(SECOND), "127.0.0.2 and 127.0.0.3 are not loopback addresses here");
        int[] sql = {freePort("127.0.0.1"), freePort("127.0.0.1"), freePort("127.0.0.1")};
        int[] raft = {freePort("127.0.0.1"), freePort("127.0.0.1"), portFreeOn(FIRST, SECOND)};
        String peers = "1=127.0.0.1:" + raft[0] + "/127.0.0.1:" + sql[0] + ",2=127.0.0.1:" + raft[1] + "/127.0.0.1:"
                + sql[1] + ",3=" + NAME + ":" + raft[2] + "/127.0.0.1:" + sql[2];
        String url = "jdbc:flotilla://127.0.0.1:" + sql[0] + ",127.0.0.1:" + sql[1];
        try {
            dns.put(NAME, InetAddress.getByName(FIRST));
            for (long id = 1; id <= 2; id++) {
                start(id, peers, "--raft", "127.0.0.1:" + raft[(int) id - 1],
                        "--sql", "127.0.0.1:" + sql[(int) id - 1]);
            }
            startThird(peers, FIRST, raft[2], sql[2]);
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE MOVES(ID INT PRIMARY KEY)");
                s.executeUpdate("INSERT INTO MOVES VALUES (0)");
            }
            awaitThirdCaughtUp("node 3 at " + FIRST);

            running.remove(3L).close();
            dns.put(NAME, InetAddress.getByName(SECOND));
            startThird(peers, SECOND, raft[2], sql[2]);
            writeOnce(url);
            awaitThirdCaughtUp("node 3, moved to " + SECOND);
        } finally {
            running.values().forEach(ServingNode::close);
        }
    }

    private void startThird(String peers, String ip, int raftPort, int sqlPort) throws Exception {
        start(3, peers, "--raft-listen", ip + ":" + raftPort, "--raft-advertise", NAME + ":" + raftPort,
                "--sql", "127.0.0.1:" + sqlPort);
    }

    private void start(long id, String peers, String... addresses) throws Exception {
        List<String> args = new ArrayList<>(List.of("--node-id", String.valueOf(id), "--data-dir",
                data.resolve("node-" + id).toString(), "--peers", peers, "--election-timeout-ms", "300",
                "--heartbeat-ms", "30", "--max-clock-drift-ms", "60"));
        args.addAll(List.of(addresses));
        NodeConfig config = NodeConfig.parse(args.toArray(new String[0]));
        running.put(id, ServingNode.start(config, NodeEnvironment.of(config, System::nanoTime, resolver)));
    }

    /** One more row, through nodes 1 and 2, asked again if a leader change rolled it back (distinct keys). */
    private static void writeOnce(String url) throws Exception {
        int[] key = {0};
        await("a write commits after node 3 moved", () -> {
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO MOVES VALUES (" + ++key[0] + ")");
                return true;
            } catch (SQLException e) {
                return false;
            }
        });
    }

    /** Node 3's replica of the data range has applied everything the leader applied when this was called. */
    private void awaitThirdCaughtUp(String what) throws Exception {
        long[] target = {-1};
        await(what + " applies what the data range's leader applied", () -> {
            if (target[0] < 0) {
                for (ServingNode n : running.values()) {
                    if (n.node().replica(Node.DATA_RANGE).serving()) {
                        target[0] = n.node().replica(Node.DATA_RANGE).applied();
                    }
                }
                return false;
            }
            return running.get(3L).node().replica(Node.DATA_RANGE).applied() >= target[0];
        });
    }

    private static int freePort(String ip) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(ip))) {
            return s.getLocalPort();
        }
    }

    /** A port free on both addresses, so that node 3 comes back on the same port. */
    private static int portFreeOn(String first, String second) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getByName(first));
                 ServerSocket b = new ServerSocket(a.getLocalPort(), 1, InetAddress.getByName(second))) {
                return b.getLocalPort();
            } catch (IOException taken) {
                if (attempt == 20) {
                    throw taken;
                }
            }
        }
    }

    private static boolean bindable(String ip) {
        try {
            new ServerSocket(0, 1, InetAddress.getByName(ip)).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
