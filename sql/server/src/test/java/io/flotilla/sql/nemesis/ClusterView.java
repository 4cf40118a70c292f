package io.flotilla.sql.nemesis;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * What the nodes themselves say about the data range, from {@code FLOTILLA.REPLICAS} read on
 * each node with {@code consistency=stale}, so that the node answers from its own state instead of
 * forwarding to a leader. Short timeouts: a paused node must not hold up the test, only fail to
 * answer.
 */
public final class ClusterView {

    static final long DATA_RANGE = 2;
    private static final String PROBE_OPTIONS = "consistency=stale&connectTimeout=500&socketTimeout=1500&failoverTimeout=1000";
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    /** One row of a node's {@code FLOTILLA.REPLICAS} for the data range. */
    public record Replica(long node, String role, long term, Long lagEntries, long leader, long reportedBy) {
    }

    private final ProcessCluster cluster;
    private volatile String lastObservation = "nothing observed yet";

    public ClusterView(ProcessCluster cluster) {
        this.cluster = cluster;
    }

    /** The data range's rows as the node reports them: its own, and on a leader every member's. */
    public List<Replica> replicasSeenBy(long node) throws SQLException {
        List<Replica> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(cluster.nodeUrl(node, PROBE_OPTIONS), "sa", "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT NODE_ID, ROLE, TERM, LAG_ENTRIES, LEADER_ID, REPORTED_BY "
                     + "FROM FLOTILLA.REPLICAS WHERE RANGE_ID = " + DATA_RANGE)) {
            while (rs.next()) {
                long lag = rs.getLong(4);
                rows.add(new Replica(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.wasNull() ? null : lag,
                        rs.getLong(5), rs.getLong(6)));
            }
        }
        return rows;
    }

    /** Every role the node reports for each range, by range: to spot a replica that stopped (FAILED). */
    public Map<Long, String> ownRolesOf(long node) throws SQLException {
        Map<Long, String> roles = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(cluster.nodeUrl(node, PROBE_OPTIONS), "sa", "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT RANGE_ID, ROLE FROM FLOTILLA.REPLICAS WHERE NODE_ID = REPORTED_BY")) {
            while (rs.next()) {
                roles.put(rs.getLong(1), rs.getString(2));
            }
        }
        return roles;
    }

    /**
     * The leader of the data range among these nodes: one that calls itself leader and that a
     * majority of the cluster (itself included) names as leader. Nodes that do not answer count
     * for nothing.
     */
    public OptionalLong leaderAmong(Collection<Long> nodes) {
        Map<Long, Replica> own = new TreeMap<>();
        StringBuilder seen = new StringBuilder();
        for (long node : nodes) {
            try {
                Optional<Replica> self = replicasSeenBy(node).stream().filter(r -> r.node() == node).findFirst();
                self.ifPresent(r -> own.put(node, r));
                seen.append("node ").append(node).append(": ").append(self.map(Replica::toString).orElse("no row")).append("; ");
            } catch (SQLException e) {
                seen.append("node ").append(node).append(": ").append(e.getSQLState()).append(' ')
                        .append(e.getMessage()).append("; ");
            }
        }
        lastObservation = seen.toString();
        int majority = cluster.nodeIds().size() / 2 + 1;
        for (Replica candidate : own.values()) {
            if ("LEADER".equals(candidate.role())) {
                long votes = own.values().stream().filter(r -> r.leader() == candidate.node()).count();
                if (votes >= majority) {
                    return OptionalLong.of(candidate.node());
                }
            }
        }
        return OptionalLong.empty();
    }

    /** Polls until {@link #leaderAmong} finds one, or the time is up. */
    public OptionalLong awaitLeader(Collection<Long> nodes, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            OptionalLong leader = leaderAmong(nodes);
            if (leader.isPresent() || System.nanoTime() > deadline) {
                return leader;
            }
            Thread.sleep(POLL_INTERVAL.toMillis());
        }
    }

    /**
     * Polls until the data range has a leader that sees every node within {@code maxLag} entries
     * of its log: the cluster is whole again, and the next fault does not meet a node still
     * catching up from the last one.
     */
    public boolean awaitCaughtUp(long maxLag, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            OptionalLong leader = leaderAmong(cluster.nodeIds());
            if (leader.isPresent()) {
                try {
                    List<Replica> rows = replicasSeenBy(leader.getAsLong());
                    lastObservation = "leader " + leader.getAsLong() + " sees " + rows;
                    boolean whole = rows.stream().map(Replica::node).distinct().count() == cluster.nodeIds().size()
                            && rows.stream().allMatch(r -> r.lagEntries() != null && r.lagEntries() <= maxLag);
                    if (whole) {
                        return true;
                    }
                } catch (SQLException e) {
                    lastObservation = "leader " + leader.getAsLong() + " did not answer: " + e.getMessage();
                }
            }
            Thread.sleep(POLL_INTERVAL.toMillis());
        }
        return false;
    }

    /** What the last poll saw, for failure messages. */
    public String lastObservation() {
        return lastObservation;
    }

    /**
     * Every replica that stopped on an unexpected failure, as a problem for the report: it says so
     * in its role (FAILED) and its FAILURE column. A node that does not answer is a problem too.
     */
    public List<String> failedReplicas() {
        List<String> problems = new ArrayList<>();
        for (long node : cluster.nodeIds()) {
            try {
                ownRolesOf(node).forEach((range, role) -> {
                    if ("FAILED".equals(role)) {
                        problems.add("node " + node + ": its replica of range " + range + " stopped (FLOTILLA.REPLICAS "
                                + "role FAILED; see the FAILURE column and the node log)");
                    }
                });
            } catch (SQLException e) {
                problems.add("node " + node + " did not report its replicas: " + e.getSQLState() + " " + e.getMessage());
            }
        }
        return problems;
    }
}
