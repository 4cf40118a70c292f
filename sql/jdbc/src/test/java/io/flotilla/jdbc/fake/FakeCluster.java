package io.flotilla.jdbc.fake;

import io.flotilla.protocol.Response;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * TEST ONLY. What the fake nodes of one test share, standing in for replication: one in-memory H2
 * database, the session de-duplication table (session id + sequence → first answer) and the log
 * index. Every test makes its own cluster, so tests run in parallel.
 */
public final class FakeCluster implements AutoCloseable {
    public static final long RANGE = 1;

    final String h2Url = "jdbc:h2:mem:fake-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    final Map<String, Response> outcomes = new ConcurrentHashMap<>();
    final Map<String, Statement> running = new ConcurrentHashMap<>();
    final AtomicLong logIndex = new AtomicLong();
    private final Connection keeper;
    private final List<FakeNode> nodes = new ArrayList<>();

    public FakeCluster() throws SQLException {
        keeper = DriverManager.getConnection(h2Url);
    }

    /** Starts a node on an ephemeral port. */
    public synchronized FakeNode startNode() throws java.io.IOException {
        FakeNode node = new FakeNode(this, nodes.size() + 1);
        nodes.add(node);
        return node;
    }

    synchronized List<FakeNode> nodes() {
        return List.copyOf(nodes);
    }

    /** A connection straight to the shared H2, to check what was really applied. */
    public Connection h2() throws SQLException {
        return DriverManager.getConnection(h2Url);
    }

    /** How many writes and commits were applied (each takes one log index). */
    public long applied() {
        return logIndex.get();
    }

    public String url() {
        StringBuilder sb = new StringBuilder("jdbc:flotilla://");
        List<FakeNode> all = nodes();
        for (int i = 0; i < all.size(); i++) {
            sb.append(i == 0 ? "" : ",").append("127.0.0.1:").append(all.get(i).port());
        }
        return sb.toString();
    }

    @Override
    public void close() throws SQLException {
        for (FakeNode n : nodes()) {
            n.close();
        }
        try (Statement s = keeper.createStatement()) {
            s.execute("SHUTDOWN");
        } finally {
            keeper.close();
        }
    }
}
