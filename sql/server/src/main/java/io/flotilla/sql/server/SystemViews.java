package io.flotilla.sql.server;

import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.ReplicaProgress;
import io.flotilla.raft.core.Role;
import io.flotilla.raft.host.GroupFailure;
import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.range.RangeBounds;
import io.flotilla.statemachine.range.RangeReplica;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.tools.SimpleResultSet;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * SQL views of the node's replication state, for what {@code pg_stat_replication} gives a
 * PostgreSQL user: {@code FLOTILLA.RANGES} (one row per range this node holds, with the span of
 * keys and generation its own database records, the rows its tables hold here, and on the leader's
 * row the statements a second it ran over the last ten) and
 * {@code FLOTILLA.REPLICAS} (this node's replicas, and on a leader every member as it sees them:
 * role, term, commit and applied index, match index, lag in entries and in bytes, whether the
 * leader holds its lease and when it runs out).
 *
 * <p>{@code LAG_BYTES}, on a leader's row for another member, is the sum of the payload sizes of
 * the entries in the leader's log after that member's match index: what the leader still has to
 * send it. Entries the leader has compacted into a snapshot are no longer in its log and are not
 * counted (such a member is sent the snapshot instead). {@code LEASE_EXPIRES_AT}, on a leader's own
 * row while it holds its lease, is when the lease runs out: the core measures the lease on its own
 * monotonic clock, and the time left is added to this node's wall clock when the row is made.
 *
 * <p>{@link MetaViews} adds the meta range's records: {@code FLOTILLA.RANGE_DESCRIPTORS} and
 * {@code FLOTILLA.CATALOG}.
 *
 * <p>They are H2 views over Java table functions, created in every replica's {@code FLOTILLA}
 * schema (which is not replicated); the functions find the node that owns the database.
 */
public final class SystemViews {

    private static final List<Node> NODES = new CopyOnWriteArrayList<>();
    /** What each node's sessions ran as leaders: the QPS column. */
    private static final Map<Node, RangeLoad> LOADS = new ConcurrentHashMap<>();

    private SystemViews() {
    }

    /** Creates the views in every replica of the node, and lets the functions find it. */
    public static void install(Node node) throws SQLException {
        NODES.add(node);
        for (RangeReplica replica : node.replicas().values()) {
            try (Connection c = replica.store().connect(); Statement s = c.createStatement()) {
                String cls = SystemViews.class.getName();
                s.execute("CREATE ALIAS IF NOT EXISTS FLOTILLA.RANGE_STATUS FOR '" + cls + ".ranges'");
                s.execute("CREATE ALIAS IF NOT EXISTS FLOTILLA.REPLICA_STATUS FOR '" + cls + ".replicas'");
                s.execute("CREATE VIEW IF NOT EXISTS FLOTILLA.RANGES AS SELECT * FROM FLOTILLA.RANGE_STATUS()");
                s.execute("CREATE VIEW IF NOT EXISTS FLOTILLA.REPLICAS AS SELECT * FROM FLOTILLA.REPLICA_STATUS()");
                MetaViews.create(s);
            }
        }
    }

    public static void uninstall(Node node) {
        NODES.remove(node);
        LOADS.remove(node);
    }

    /** The node's sessions count what they run as leaders here ({@code QPS} in {@code FLOTILLA.RANGES}). */
    static void count(Node node, RangeLoad load) {
        LOADS.put(node, load);
    }

    /** The node's sessions closed: nothing is counted for it any more. */
    static void uncount(Node node) {
        LOADS.remove(node);
    }

    /** Table function behind FLOTILLA.RANGES. */
    public static ResultSet ranges(Connection connection) throws SQLException {
        SimpleResultSet rs = new SimpleResultSet();
        rs.addColumn("RANGE_ID", Types.BIGINT, 19, 0);
        rs.addColumn("NAME", Types.VARCHAR, 20, 0);
        rs.addColumn("LEADER_ID", Types.BIGINT, 19, 0);
        rs.addColumn("TERM", Types.BIGINT, 19, 0);
        rs.addColumn("COMMIT_INDEX", Types.BIGINT, 19, 0);
        rs.addColumn("APPLIED_INDEX", Types.BIGINT, 19, 0);
        rs.addColumn("VOTERS", Types.VARCHAR, 200, 0);
        rs.addColumn("LEARNERS", Types.VARCHAR, 200, 0);
        rs.addColumn("START_KEY", Types.VARBINARY, 4096, 0);
        rs.addColumn("END_KEY", Types.VARBINARY, 4096, 0);
        rs.addColumn("GENERATION", Types.BIGINT, 19, 0);
        rs.addColumn("ROWS", Types.BIGINT, 19, 0);
        rs.addColumn("QPS", Types.DOUBLE, 17, 0);
        if (isMetadataQuery(connection)) {
            return rs;
        }
        Node node = owner(connection);
        Optional<RangeLoad> load = Optional.ofNullable(LOADS.get(node));
        for (var e : node.replicas().entrySet()) {
            long range = e.getKey();
            long applied = e.getValue().applied();
            Long rows = range == Node.META_RANGE ? null : rows(e.getValue());
            // Statements a second over the last ten, on the leader's row (where they run).
            Double qps = load.isEmpty() || !e.getValue().serving() ? null
                    : load.get().perSecond(range, node.environment().waits().nanoTime());
            // The range's own bounds, as this replica's database has them (none yet for a range a
            // split made that has not installed its first image here).
            Optional<RangeBounds> bounds = e.getValue().bounds();
            byte[] start = bounds.map(b -> b.span().start().toByteArray()).orElse(null);
            byte[] end = bounds.map(b -> b.span().end()).map(Key::toByteArray).orElse(null);
            Long generation = bounds.map(RangeBounds::generation).orElse(null);
            ask(connection, node, range, r -> new Object[] {range, range == Node.META_RANGE ? "meta" : "data",
                r.leader(), r.term(), r.committed(), applied, join(r.membership().voters()),
                join(r.membership().learners()), start, end, generation, rows, qps}).ifPresent(rs::addRow);
        }
        return rs;
    }

    /** The rows of the replicated tables in this replica, as H2 counts them; none if it cannot be read now. */
    private static Long rows(RangeReplica replica) {
        try (Connection c = replica.store().connect()) {
            return RangeRows.total(c);
        } catch (SQLException e) {
            // A replica opening or closing as the view is read: its size is not known this moment.
            return null;
        }
    }

    /** Table function behind FLOTILLA.REPLICAS. */
    public static ResultSet replicas(Connection connection) throws SQLException {
        SimpleResultSet rs = new SimpleResultSet();
        rs.addColumn("RANGE_ID", Types.BIGINT, 19, 0);
        rs.addColumn("NODE_ID", Types.BIGINT, 19, 0);
        rs.addColumn("ROLE", Types.VARCHAR, 20, 0);
        rs.addColumn("TERM", Types.BIGINT, 19, 0);
        rs.addColumn("COMMIT_INDEX", Types.BIGINT, 19, 0);
        rs.addColumn("APPLIED_INDEX", Types.BIGINT, 19, 0);
        rs.addColumn("MATCH_INDEX", Types.BIGINT, 19, 0);
        rs.addColumn("LAG_ENTRIES", Types.BIGINT, 19, 0);
        rs.addColumn("LAG_BYTES", Types.BIGINT, 19, 0);
        rs.addColumn("LEADER_ID", Types.BIGINT, 19, 0);
        rs.addColumn("LEASE_HELD", Types.BOOLEAN, 1, 0);
        rs.addColumn("LEASE_EXPIRES_AT", Types.TIMESTAMP_WITH_TIMEZONE, 35, 9);
        rs.addColumn("REPORTED_BY", Types.BIGINT, 19, 0);
        rs.addColumn("FAILURE", Types.VARCHAR, 4000, 0);
        if (isMetadataQuery(connection)) {
            return rs;
        }
        Node node = owner(connection);
        for (var e : node.replicas().entrySet()) {
            long range = e.getKey();
            long applied = e.getValue().applied();
            Optional<GroupFailure> failure = node.host().failure(range);
            if (failure.isPresent()) {
                // It takes part in nothing any more: one row, saying why, where the replica stopped.
                rs.addRow(range, node.id(), FAILED, null, null, applied, null, null, null, null, false, null, node.id(),
                        failure.get().reason());
                continue;
            }
            ask(connection, node, range, r -> rows(node.id(), range, r, applied)).ifPresent(rows -> rows.forEach(rs::addRow));
        }
        return rs;
    }

    /** The role a replica that stopped after an unexpected failure shows. */
    static final String FAILED = "FAILED";

    private static List<Object[]> rows(long self, long range, Raft r, long applied) {
        List<Object[]> out = new ArrayList<>();
        boolean leader = r.role() == Role.LEADER;
        OptionalLong leaseLeft = r.leaseRemaining();
        out.add(new Object[] {range, self, role(r, self), r.term(), r.committed(), applied,
            r.lastIndex(), leader ? 0L : null, leader ? 0L : null, r.leader(), leaseLeft.isPresent(),
            leaseLeft.isPresent() ? wallTimeIn(leaseLeft.getAsLong()) : null, self, null});
        for (Map.Entry<Long, ReplicaProgress> p : r.progress().entrySet()) {
            if (p.getKey() != self) {
                long match = p.getValue().match();
                out.add(new Object[] {range, p.getKey(),
                    r.membership().learners().contains(p.getKey()) ? "LEARNER" : "FOLLOWER", r.term(), null, null,
                    match, Math.max(0, r.lastIndex() - match), r.payloadBytesAfter(match), self, false, null, self, null});
            }
        }
        return out;
    }

    /** The wall-clock time {@code nanos} from now: where the core's monotonic clock meets the time of day. */
    private static OffsetDateTime wallTimeIn(long nanos) {
        return OffsetDateTime.ofInstant(Instant.now().plusNanos(nanos), ZoneOffset.UTC);
    }

    private static String role(Raft r, long self) {
        return r.role() == Role.FOLLOWER && r.membership().learners().contains(self) ? "LEARNER" : r.role().name();
    }

    private static String join(Set<Long> ids) {
        return ids.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse("");
    }

    /** H2 calls a table function once without data to learn its columns. */
    static boolean isMetadataQuery(Connection connection) throws SQLException {
        return connection.getMetaData().getURL().equals("jdbc:columnlist:connection");
    }

    static Node owner(Connection connection) throws SQLException {
        Path database = Path.of(((SessionLocal) connection.unwrap(JdbcConnection.class).getSession())
                .getDatabase().getDatabasePath()).getParent();
        for (Node node : NODES) {
            for (RangeReplica replica : node.replicas().values()) {
                if (replica.store().databaseDirectory().toAbsolutePath().equals(database.toAbsolutePath())) {
                    return node;
                }
            }
        }
        throw new SQLException("no running node owns the database " + database, "XX000");
    }

    private static final long ASK_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long CANCEL_CHECK_MILLIS = 10;

    /**
     * What the range's core says, or empty where it cannot answer (stopped or overloaded here).
     * The answer comes from the range's own thread, which may be applying a schema change that
     * waits for running statements, this one among them, and cancels them to get past: so this
     * statement notices a cancel while it waits (failing with H2's "statement was canceled"), and
     * the range's thread never waits on a client for the length of this wait.
     */
    private static <T> Optional<T> ask(Connection connection, Node node, long range, Function<Raft, T> f)
            throws SQLException {
        SessionLocal session = (SessionLocal) connection.unwrap(JdbcConnection.class).getSession();
        CompletableFuture<T> answer = node.host().inspect(range, f);
        long deadline = System.nanoTime() + ASK_TIMEOUT_NANOS;
        while (true) {
            try {
                return Optional.of(answer.get(CANCEL_CHECK_MILLIS, TimeUnit.MILLISECONDS));
            } catch (TimeoutException e) {
                session.checkCanceled();
                if (System.nanoTime() > deadline) {
                    return Optional.empty();
                }
            } catch (ExecutionException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }
}
