package io.flotilla.sql.nemesis;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Watches what each node says of itself for the data range (role, term, the leader it follows)
 * five times a second, from its own row of {@code FLOTILLA.REPLICAS} on a connection of its own
 * ({@code consistency=stale}: the node answers itself), and keeps every change: the leadership
 * timeline the report shows next to the faults. A node that is down or paused shows as such.
 *
 * <p>A node that stops answering although it is not paused (the view is computed on the range's
 * worker thread, so a blocked worker shows here) gets its threads dumped with jcmd, a few times
 * per run, next to the node logs: what it was doing is the evidence.
 */
public final class LeaderMonitor implements AutoCloseable {

    private static final String NOT_ANSWERING = "not answering within 1 s";

    /** What one node said of itself, from this moment on. */
    public record Change(long atNanos, long node, String state) {
    }

    private static final String OPTIONS = "consistency=stale&connectTimeout=300&socketTimeout=1000&failoverTimeout=0";
    /** The polling interval: the only way to learn the role is to ask. */
    private static final long INTERVAL_MILLIS = 200;
    private static final int MAX_THREAD_DUMPS = 12;

    private final ProcessCluster cluster;
    private final RunClock clock;
    private final Path dumps;
    private final AtomicInteger dumpsTaken = new AtomicInteger();
    private final List<Change> changes = Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> watchers = new ArrayList<>();
    private volatile boolean closed;

    public LeaderMonitor(ProcessCluster cluster, RunClock clock, Path dumps) {
        this.cluster = cluster;
        this.clock = clock;
        this.dumps = dumps;
        for (long node : cluster.nodeIds()) {
            Thread t = new Thread(() -> watch(node), "leader-monitor-node-" + node);
            t.setDaemon(true);
            watchers.add(t);
            t.start();
        }
    }

    private void watch(long node) {
        Connection c = null;
        String last = null;
        while (!closed) {
            String state;
            try {
                if (c == null) {
                    c = DriverManager.getConnection(cluster.nodeUrl(node, OPTIONS), "sa", "");
                }
                state = ownState(c);
            } catch (SQLException e) {
                state = describe(e);
                closeQuietly(c);
                c = null;
            }
            if (!state.equals(last)) {
                long at = clock.now();
                last = state;
                if (state.startsWith(NOT_ANSWERING) && !cluster.silencedByFault(node)
                        && dumpsTaken.incrementAndGet() <= MAX_THREAD_DUMPS) {
                    state += "; threads: " + cluster.dumpThreads(node,
                            dumps.resolve(String.format("stall-node%d-%.0fs.txt", node, at / 1e9)));
                }
                changes.add(new Change(at, node, state));
            }
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                break;
            }
        }
        closeQuietly(c);
    }

    private static String ownState(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT ROLE, TERM, LEADER_ID FROM FLOTILLA.REPLICAS WHERE RANGE_ID = "
                     + ClusterView.DATA_RANGE + " AND NODE_ID = REPORTED_BY")) {
            if (!rs.next()) {
                return "no replica row";
            }
            String role = rs.getString(1);
            long term = rs.getLong(2);
            long leader = rs.getLong(3);
            return "LEADER".equals(role) ? "LEADER, term " + term
                    : role + ", term " + term + (leader != 0 ? ", follows node " + leader : ", no leader known");
        }
    }

    private static String describe(SQLException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("Connection refused")) {
            return "down (connection refused)";
        }
        if (message.contains("did not answer within")) {
            return NOT_ANSWERING;
        }
        if (message.contains("timed out")) {
            // A paused node's accept queue fills up; a starved machine answers SYNs late.
            return "not accepting connections within 300 ms";
        }
        return "error " + e.getSQLState();
    }

    /** Every change, in time order. */
    public List<Change> changes() {
        synchronized (changes) {
            List<Change> copy = new ArrayList<>(changes);
            copy.sort(Comparator.comparingLong(Change::atNanos));
            return copy;
        }
    }

    /** The changes as a Markdown table. */
    public String table() {
        StringBuilder b = new StringBuilder("| t | node | data range (as the node sees itself) |\n|---:|---:|---|\n");
        for (Change c : changes()) {
            b.append(String.format("| %.2f s | %d | %s |%n", c.atNanos() / 1e9, c.node(), c.state()));
        }
        return b.toString();
    }

    @Override
    public void close() {
        stop();
    }

    /** Stops watching (again, harmlessly); a watcher in a call ends within the probe's network timeout. */
    public void stop() {
        closed = true;
        for (Thread t : watchers) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Abandoned either way.
            }
        }
    }
}
