package io.flotilla.sql.server;

import io.flotilla.protocol.Ack;
import io.flotilla.protocol.CommitResult;
import io.flotilla.protocol.Consistency;
import io.flotilla.protocol.Error;
import io.flotilla.protocol.Execute;
import io.flotilla.protocol.ExecuteResult;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.HelloResult;
import io.flotilla.protocol.Lsn;
import io.flotilla.protocol.NodeAddress;
import io.flotilla.protocol.Parameter;
import io.flotilla.protocol.ParameterSet;
import io.flotilla.protocol.Prepared;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.RowBatch;
import io.flotilla.protocol.SessionSetting;
import io.flotilla.protocol.UpdateCount;
import io.flotilla.protocol.Value;
import io.flotilla.sql.node.Announcement;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.Peer;
import io.flotilla.sql.node.Waits;
import io.flotilla.statemachine.range.LeadershipChangedException;
import io.flotilla.statemachine.range.Outcome;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.RangeSession;
import io.flotilla.statemachine.range.SqlStates;
import io.flotilla.statemachine.range.StatementKind;

import java.sql.Connection;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.flotilla.sql.server.CommitWait.IfLeadershipLost.OUTCOME_UNKNOWN;
import static io.flotilla.sql.server.CommitWait.IfLeadershipLost.RESEND_ELSEWHERE;

/**
 * One client connection's session on this node. Requests run one at a time, in order, on a thread
 * that may block (never a Netty event loop). Where this node leads the data range, statements run
 * here, in a {@link RangeSession}; reads that may be served by a follower run on the local replica;
 * everything else is forwarded to the leader over a connection of this session's own, which stays
 * with the leader for the rest of an open transaction.
 */
public final class ClientSession implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ClientSession.class.getName());

    /** How long a leadership check (a lease read or a ReadIndex round) may take. */
    private static final long LEADERSHIP_CHECK_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(CommitWait.TIMEOUT_SECONDS);
    private static final int DEFAULT_FETCH = 1000;

    private final Node node;
    private final Waits waits;
    /** The client keeps its link alive while quiet (Hello.keeps_alive), so its silence means it is gone. */
    private volatile boolean keepsAlive;
    private final CommitWait commits;
    private final Forwarder forwarder;
    private final SessionSettings settings;
    private final FollowerReads followerReads;
    private byte[] sessionId;
    private long sessionStartedMillis;
    private boolean readOnly;
    private RangeSession local;
    private final Map<Long, Cursor> cursors = new HashMap<>();
    private long cursorIds;
    /** A follower read's own connection, open while its cursor is. */
    private Connection followerRead;
    /** Statements kept parsed on the range session's connection. */
    private StatementCache statements;
    private volatile Statement running;
    /** The current request's, set as it arrives: bounds its waits on the cluster. */
    private FailoverBudget budget = FailoverBudget.NONE;

    ClientSession(Node node, Forwarder forwarder, SessionSettings settings, StalenessBound stalenessBound) {
        this.node = node;
        this.waits = node.environment().waits();
        this.commits = new CommitWait(node, this::closeLocal);
        this.forwarder = forwarder;
        this.settings = settings;
        this.followerReads = new FollowerReads(node, stalenessBound);
    }

    byte[] sessionId() {
        return sessionId;
    }

    /** Whether a transaction is open: here, or at the leader through the forwarder. */
    boolean inTransaction() {
        return (local != null && local.inTransaction()) || forwarder.active();
    }

    /**
     * Cancels the statement running now, if any (from another connection's thread): the one running
     * here, or the one this node forwarded to the leader. Best effort: a statement that ends first
     * is not cancelled.
     */
    void cancelRunning() {
        Statement s = running;
        try {
            if (s != null) {
                s.cancel();
            } else {
                forwarder.cancel();
            }
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.DEBUG, "cancel failed", e);
        }
    }

    /** Whether the client promised to keep its link alive while it holds a transaction open and says nothing. */
    boolean keepsAlive() {
        return keepsAlive;
    }

    /** Answers one request; never throws: a failure is the answer's error, with its SQLState. */
    public Response handle(Request received) {
        Request request = withoutTrailingSemicolons(received);
        budget = FailoverBudget.of(request, waits);
        Response.Builder out = Response.newBuilder().setId(request.getId());
        try {
            if (request.getKindCase() != Request.KindCase.HELLO && sessionId == null) {
                throw new SQLException("the first request on a connection must be Hello", "08P01");
            }
            if (forwarder.active() && forwards(request)) {
                return forwarded(request);
            }
            switch (request.getKindCase()) {
                case HELLO -> out.setHello(hello(request.getHello()));
                case EXECUTE -> {
                    if (Announcement.is(request.getExecute())) {
                        return Registration.carryOut(node, request);
                    }
                    // Where it runs is decided once: leadership lost after this shows as a
                    // not-leader error from the range, never as a statement sent down another path.
                    Route route = route(request.getExecute());
                    if (route == Route.FORWARD) {
                        boolean transactionHere = local != null && local.inTransaction();
                        closeLocal();
                        if (transactionHere && !request.getExecute().getAutoCommit()) {
                            // The client's transaction lived in this replica's range session and
                            // ended with its leadership. Sent on to the leader, this statement
                            // would begin a new transaction there, which would commit without
                            // what came before it (found by the network tests: bank transfers
                            // with one of their two updates).
                            throw new SQLException("the transaction was rolled back: this replica stopped leading "
                                    + "the range; the statement was not run", SqlStates.ROLLED_BACK);
                        }
                        return forwarded(request);
                    }
                    out.setExecute(execute(request.getExecute(), route));
                }
                case FETCH -> out.setRows(fetch(request.getFetch().getCursor(), request.getFetch().getFetchSize()));
                case CLOSE_CURSOR -> {
                    closeCursor(request.getCloseCursor().getCursor());
                    out.setAck(Ack.getDefaultInstance());
                }
                case COMMIT -> out.setCommit(CommitResult.newBuilder()
                        .setLsn(commit(request.getCommit().getSequence())));
                case ROLLBACK -> {
                    rollback(request.getRollback().getSavepoint());
                    out.setAck(Ack.getDefaultInstance());
                }
                case PREPARE -> out.setPrepared(describe(request.getPrepare().getSql()));
                case PING, KEEP_ALIVE -> out.setAck(Ack.getDefaultInstance());
                case METADATA -> out.setMetadata(StatusReport.of(node));
                case READ_INDEX -> out.setReadIndex(ReadIndexAnswer.of(node, request.getReadIndex()));
                case ADMIN -> {
                    Optional<Response> forwarded = Administration.carryOut(node, request, forwarder);
                    if (forwarded.isPresent()) {
                        return forwarded.get();
                    }
                    out.setAck(Ack.getDefaultInstance());
                }
                default -> throw new SQLException("request " + request.getKindCase() + " is not supported here", "0A000");
            }
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("XX")) {
                // Internal errors (XX000) and a replica's data that does not match its log (XX001):
                // a bug or a broken replica, never the client's doing, so logged here, once, with its stack.
                LOG.log(System.Logger.Level.ERROR, "internal error in a " + request.getKindCase() + " request", e);
            }
            out.clear().setId(request.getId()).setError(error(e));
        } catch (RuntimeException e) {
            // A bug, not a client's mistake: logged here, once, with its stack; the client gets XX000.
            LOG.log(System.Logger.Level.ERROR, "internal error in a " + request.getKindCase() + " request", e);
            out.clear().setId(request.getId()).setError(Error.newBuilder().setSqlState("XX000")
                    .setMessage("internal error: " + e));
        }
        return out.build();
    }

    /** Sends a request to the leader; a setting the leader took is kept for whatever serves this session later. */
    private Response forwarded(Request request) {
        Response answer = forwarder.call(request);
        if (request.hasExecute() && !answer.hasError()) {
            settings.made(request.getExecute().getSql());
        }
        return answer;
    }

    private static boolean forwards(Request request) {
        return request.getKindCase() != Request.KindCase.HELLO && request.getKindCase() != Request.KindCase.PING
                && request.getKindCase() != Request.KindCase.KEEP_ALIVE
                && request.getKindCase() != Request.KindCase.METADATA
                && request.getKindCase() != Request.KindCase.READ_INDEX;
    }

    private HelloResult hello(Hello hello) {
        sessionId = hello.getSessionId().toByteArray();
        if (sessionId.length == 0 || sessionId.length > 64) {
            throw new IllegalArgumentException("a session id is 1 to 64 bytes");
        }
        keepsAlive = hello.getKeepsAlive();
        readOnly = hello.getReadOnly();
        sessionStartedMillis = hello.getSessionStartedMillis();
        forwarder.identify(sessionId, sessionStartedMillis, readOnly);
        HelloResult.Builder b = HelloResult.newBuilder().setNodeId(node.id()).setServerVersion("flotilla 0.1.0")
                // A node silent for an election timeout has lost its range's leadership, if it had
                // it, and may as well be given up: the request goes elsewhere under its session.
                .setLinkTimeoutMillis((int) node.config().electionTimeout().toMillis())
                .setSessionTtlMillis(node.environment().rangeOptions().sessionTtl().toMillis());
        for (Peer p : cluster()) {
            b.addCluster(NodeAddress.newBuilder().setNodeId(p.id()).setHost(p.sql().getHostString())
                    .setPort(p.sql().getPort()));
        }
        return b.build();
    }

    /** Every node this one knows (static peers and the node directory), for the driver to fail over to. */
    private Collection<Peer> cluster() {
        try {
            return node.knownPeers().values();
        } catch (SQLException e) {
            // The list only widens the driver's failover: a node whose directory cannot be read now
            // still serves the connection, with the peers it was configured with.
            LOG.log(System.Logger.Level.WARNING,
                    "the node directory is unreadable; Hello lists the configured peers only", e);
            return node.config().peers().values();
        }
    }

    // ------------------------------------------------------------------ routing

    /** Where an Execute runs. */
    private enum Route {
        /** Here, as the range's leader: in the session's held transaction. */
        LEADER,
        /** Here, on this replica's data as a follower (or learner) may serve it. */
        FOLLOWER,
        /** At the leader, through the forwarder. */
        FORWARD
    }

    /**
     * A statement's trailing semicolons (and the blanks around them) are not part of it: H2's JDBC
     * driver runs {@code DROP INDEX t1i1;}, and the single statements this node parses to
     * classify and prepare would fail on the {@code ;} (sqllogictest found it).
     */
    private static Request withoutTrailingSemicolons(Request request) {
        if (request.hasExecute() && endsInSemicolon(request.getExecute().getSql())) {
            return request.toBuilder().setExecute(request.getExecute().toBuilder()
                    .setSql(stripTrailingSemicolons(request.getExecute().getSql()))).build();
        }
        if (request.hasPrepare() && endsInSemicolon(request.getPrepare().getSql())) {
            return request.toBuilder().setPrepare(request.getPrepare().toBuilder()
                    .setSql(stripTrailingSemicolons(request.getPrepare().getSql()))).build();
        }
        return request;
    }

    private static boolean endsInSemicolon(String sql) {
        return sql.strip().endsWith(";");
    }

    static String stripTrailingSemicolons(String sql) {
        int end = sql.length();
        while (end > 0 && (sql.charAt(end - 1) == ';' || Character.isWhitespace(sql.charAt(end - 1)))) {
            end--;
        }
        return end == sql.length() ? sql : sql.substring(0, end);
    }

    /** Decides, once per statement, where an Execute runs. */
    private Route route(Execute e) throws SQLException {
        RangeReplica data = node.replica(Node.DATA_RANGE);
        if (data.serving()) {
            return Route.LEADER;
        }
        Consistency c = e.getConsistency();
        if ((local == null || !local.inTransaction()) && followerReads.levelAllows(c, data)
                && session().classify(e.getSql()) == StatementKind.QUERY && followerReads.caughtUp(c, data)) {
            return Route.FOLLOWER;
        }
        return Route.FORWARD;
    }

    // ------------------------------------------------------------------ execution

    private RangeSession session() throws SQLException {
        if (local == null) {
            RangeSession opened = node.replica(Node.DATA_RANGE).session(sessionId, sessionStartedMillis);
            try {
                settings.applyTo(opened);
            } catch (SQLException e) {
                opened.close();
                throw e;
            }
            local = opened;
        }
        return local;
    }

    private ExecuteResult execute(Execute e, Route route) throws SQLException {
        try {
            return route == Route.FOLLOWER ? followerQuery(e, node.replica(Node.DATA_RANGE)) : executeStatement(e);
        } catch (SQLException failure) {
            if (e.getAutoCommit() && local != null && local.inTransaction()) {
                // An auto-commit statement that failed leaves nothing behind: its transaction ends with it.
                closeAllCursors();
                local.rollback();
            }
            if (e.getAutoCommit() && failure instanceof LeadershipChangedException) {
                // Nothing of it was applied, and it is the statement's own transaction: the driver
                // sends it again (under its sequence) to the new leader, and the application never
                // hears of the leader change. Only a transaction it holds open must hear (40001).
                throw new SQLException("range " + Node.DATA_RANGE + ": leadership moved while the statement ran, "
                        + "and nothing of it was applied (" + failure.getMessage() + ")", SqlStates.NOT_LEADER, failure);
            }
            throw failure;
        }
    }

    private ExecuteResult executeStatement(Execute e) throws SQLException {
        RangeReplica data = node.replica(Node.DATA_RANGE);
        String sql = e.getSql();
        RangeSession s = session();
        StatementKind kind = s.classify(sql);
        if (readOnly && kind != StatementKind.QUERY && kind != StatementKind.TRANSACTION) {
            throw new SQLException("the connection is read-only", "25006");
        }
        closeAllCursors();
        boolean write = kind == StatementKind.DML || kind == StatementKind.DDL;
        if (write && e.getAutoCommit() && e.getSequence() > 0 && !s.inTransaction()) {
            // A retry of an auto-commit write gets the first attempt's answer; running the statement
            // again could fail (a duplicate key) or do something else entirely.
            Optional<Outcome> answered = s.answered(e.getSequence());
            if (answered.isPresent()) {
                return retried(answered.get());
            }
        }
        try {
            return run(kind, e, s, data, sql);
        } catch (SQLException failure) {
            if (write && e.getAutoCommit() && e.getSequence() > 0) {
                // The first attempt may have committed while this one ran into its effects.
                s.rollback();
                Optional<Outcome> answered = s.answered(e.getSequence());
                if (answered.isPresent()) {
                    return retried(answered.get());
                }
            }
            throw failure;
        }
    }

    private static ExecuteResult retried(Outcome outcome) throws SQLException {
        if (outcome instanceof Outcome.Refused r) {
            throw r.toException();
        }
        Outcome.Applied a = (Outcome.Applied) outcome;
        return ExecuteResult.newBuilder().setUpdate(UpdateCount.newBuilder().setCount(a.updateCount()))
                .setLsn(lsn(a)).build();
    }

    private ExecuteResult run(StatementKind kind, Execute e, RangeSession s, RangeReplica data, String sql)
            throws SQLException {
        return switch (kind) {
            case DDL -> {
                closeAllCursors();
                Outcome o = commits.await(s.schemaChange(sql, e.getSequence()), RESEND_ELSEWHERE, budget);
                yield ExecuteResult.newBuilder().setUpdate(UpdateCount.newBuilder().setCount(0)).setLsn(lsn(o)).build();
            }
            case TRANSACTION -> transactionStatement(sql, e);
            case OTHER -> sessionSetting(sql);
            case QUERY, LOCKING_QUERY -> query(e, s, data);
            case DML -> update(e, s);
        };
    }

    private ExecuteResult query(Execute e, RangeSession s, RangeReplica data) throws SQLException {
        confirmLeadershipFor(e, s);
        RowBatch.Builder first = s.run(c -> {
            StatementCache cache = statements(c);
            PreparedStatement ps = prepare(cache, e);
            running = ps;
            try {
                ResultSet rs;
                try {
                    rs = ps.executeQuery();
                } catch (SQLException failure) {
                    ps.close();
                    throw failure;
                }
                Cursor cursor = new Cursor(++cursorIds, rs, () -> cache.give(e.getSql(), ps));
                cursors.put(cursor.id, cursor);
                return cursor.page(Cursor.columns(rs.getMetaData()), fetchSize(e.getFetchSize()));
            } finally {
                running = null;
            }
        });
        Lsn at = Lsn.newBuilder().setRange(Node.DATA_RANGE).setIndex(data.applied()).build();
        if (first.getLast()) {
            cursors.remove(first.getCursor());
            if (e.getAutoCommit()) {
                at = lsn(commits.await(s.commit(e.getSequence()), RESEND_ELSEWHERE, budget), at);
            }
        }
        return ExecuteResult.newBuilder().setRows(first).setLsn(at).build();
    }

    /**
     * Before an auto-commit statement that reads (a query, or DML: one that changes no row proposes
     * nothing, and its answer — a count of 0, a compare-and-set that did not swap — is then a read),
     * confirms that this replica still leads: a deposed leader that has not noticed yet (it steps
     * down only after an election timeout without a quorum) would answer from stale rows. A bounded
     * read is confirmed as well, as such a leader may be further behind than the bound. Under the
     * lease this is a check on the group's thread, no round trip. (The whole-stack simulator's
     * register workload found DML answered from a deposed leader's rows.)
     */
    private void confirmLeadershipFor(Execute e, RangeSession s) throws SQLException {
        if (e.getAutoCommit() && !s.inTransaction()
                && (e.getConsistency().getLevel() == Consistency.Level.LINEARIZABLE
                    || e.getConsistency().getLevel() == Consistency.Level.BOUNDED)) {
            confirmLeadership();
        }
    }

    /** A lease read (or a ReadIndex round): this replica still leads, and has applied everything committed before. */
    private void confirmLeadership() throws SQLException {
        try {
            // A wait on the cluster (a leader cut off cannot confirm until CheckQuorum deposes it):
            // bounded by the client's budget too, so that the client hears 08F01 in time to go elsewhere.
            long timeout = Math.max(TimeUnit.MILLISECONDS.toNanos(1),
                    budget.deadlineWithin(LEADERSHIP_CHECK_TIMEOUT_NANOS, waits) - waits.nanoTime());
            waits.await(node.host().read(Node.DATA_RANGE, () -> Boolean.TRUE), timeout);
        } catch (ExecutionException | TimeoutException ex) {
            throw new SQLException("range " + Node.DATA_RANGE + ": this replica could not confirm it leads: " + ex,
                    SqlStates.NOT_LEADER, ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", SqlStates.UNAVAILABLE, ex);
        }
    }

    private ExecuteResult update(Execute e, RangeSession s) throws SQLException {
        confirmLeadershipFor(e, s);
        UpdateCount.Builder result = s.run(c -> {
            UpdateCount.Builder u = UpdateCount.newBuilder();
            boolean keys = e.getGeneratedKeys().getWanted();
            StatementCache cache = statements(c);
            PreparedStatement ps = keys
                    ? (e.getGeneratedKeys().getColumnNamesCount() > 0
                        ? c.prepareStatement(e.getSql(), e.getGeneratedKeys().getColumnNamesList().toArray(new String[0]))
                        : c.prepareStatement(e.getSql(), Statement.RETURN_GENERATED_KEYS))
                    : cache.take(e.getSql());
            boolean done = false;
            try {
                running = ps;
                if (e.getTimeoutMillis() > 0) {
                    ps.setQueryTimeout(Math.max(1, e.getTimeoutMillis() / 1000));
                }
                if (e.getBatchCount() > 0) {
                    for (ParameterSet set : e.getBatchList()) {
                        bind(ps, set.getValuesList());
                        ps.addBatch();
                    }
                    long total = 0;
                    for (long n : ps.executeLargeBatch()) {
                        u.addBatchCounts(n);
                        total += Math.max(0, n);
                    }
                    u.setCount(total);
                } else {
                    bind(ps, e.getParametersList());
                    u.setCount(ps.executeLargeUpdate());
                }
                if (keys) {
                    try (ResultSet rs = ps.getGeneratedKeys()) {
                        Cursor all = new Cursor(0, ps, rs);
                        u.setGeneratedKeys(all.page(Cursor.columns(rs.getMetaData()), Integer.MAX_VALUE));
                    }
                }
                done = true;
                return u;
            } finally {
                running = null;
                if (done && !keys) {
                    cache.give(e.getSql(), ps);
                } else {
                    ps.close();
                }
            }
        });
        ExecuteResult.Builder out = ExecuteResult.newBuilder().setUpdate(result);
        if (e.getAutoCommit()) {
            out.setLsn(lsn(commits.await(s.commit(e.getSequence(), result.getCount()), RESEND_ELSEWHERE, budget)));
        }
        return out.build();
    }

    private ExecuteResult transactionStatement(String sql, Execute e) throws SQLException {
        String word = sql.trim().split("\\s+")[0].toUpperCase(Locale.ROOT);
        if (word.equals("COMMIT")) {
            return ExecuteResult.newBuilder().setUpdate(UpdateCount.newBuilder()).setLsn(commit(e.getSequence())).build();
        }
        if (word.equals("ROLLBACK") && !sql.toUpperCase(Locale.ROOT).contains(" TO ")) {
            rollback("");
            return ExecuteResult.newBuilder().setUpdate(UpdateCount.newBuilder()).build();
        }
        // SAVEPOINT, ROLLBACK TO SAVEPOINT, RELEASE SAVEPOINT: inside the held transaction.
        session().run(c -> {
            try (Statement st = c.createStatement()) {
                st.execute(sql);
            }
            return null;
        });
        return ExecuteResult.newBuilder().setUpdate(UpdateCount.newBuilder()).build();
    }

    /** The few SET statements that only change this session; anything else could change the node. */
    private ExecuteResult sessionSetting(String sql) throws SQLException {
        SessionSetting kind = SessionSetting.of(sql).orElseThrow(() ->
                new SQLException("not supported on a replicated database: " + sql, SqlStates.NOT_SUPPORTED));
        // Kept before it is applied: a range session opened for it replays this setting, not the one
        // it replaces (which may no longer apply: SET SCHEMA PUBLIC after the old schema was dropped).
        Optional<String> replaced = settings.made(sql);
        try {
            if (kind == SessionSetting.ISOLATION) {
                session().setIsolation(SessionSettings.isolationOf(sql));
            } else {
                session().setting(sql);
            }
        } catch (SQLException e) {
            settings.undo(kind, replaced);
            throw e;
        }
        return ExecuteResult.newBuilder().setUpdate(UpdateCount.newBuilder()).build();
    }

    /** A read served by this (follower or learner) replica, on a read-only connection of its own. */
    private ExecuteResult followerQuery(Execute e, RangeReplica data) throws SQLException {
        closeAllCursors();
        followerRead = data.store().connect();
        followerRead.setReadOnly(true);
        settings.applyTo(followerRead);
        PreparedStatement ps = followerRead.prepareStatement(e.getSql());
        try {
            configure(ps, e);
        } catch (SQLException | RuntimeException ex) {
            ps.close();
            throw ex;
        }
        running = ps;
        try {
            ResultSet rs = ps.executeQuery();
            Cursor cursor = new Cursor(++cursorIds, ps, rs);
            cursors.put(cursor.id, cursor);
            RowBatch.Builder first = cursor.page(Cursor.columns(rs.getMetaData()), fetchSize(e.getFetchSize()));
            if (first.getLast()) {
                closeAllCursors();
            }
            return ExecuteResult.newBuilder().setRows(first)
                    .setLsn(Lsn.newBuilder().setRange(Node.DATA_RANGE).setIndex(data.applied())).build();
        } finally {
            running = null;
        }
    }

    private RowBatch fetch(long id, int size) throws SQLException {
        Cursor cursor = cursors.get(id);
        if (cursor == null) {
            throw new SQLException("no open cursor " + id, "24000");
        }
        RowBatch.Builder page = followerRead != null ? cursor.page(RowBatch.newBuilder(), fetchSize(size))
                : session().run(c -> cursor.page(RowBatch.newBuilder(), fetchSize(size)));
        if (page.getLast()) {
            cursors.remove(id);
            if (followerRead != null && cursors.isEmpty()) {
                closeAllCursors();
            }
        }
        return page.build();
    }

    private void closeCursor(long id) throws SQLException {
        Cursor cursor = cursors.remove(id);
        if (cursor != null) {
            cursor.close();
        }
        if (followerRead != null && cursors.isEmpty()) {
            closeAllCursors();
        }
    }

    private void closeAllCursors() throws SQLException {
        for (Cursor c : cursors.values()) {
            c.close();
        }
        cursors.clear();
        if (followerRead != null) {
            followerRead.close();
            followerRead = null;
        }
    }

    private Lsn commit(long sequence) throws SQLException {
        closeAllCursors();
        if (local == null) {
            return Lsn.newBuilder().setRange(Node.DATA_RANGE).build();
        }
        return lsn(commits.await(local.commit(sequence), OUTCOME_UNKNOWN, budget));
    }

    private void rollback(String savepoint) throws SQLException {
        if (!savepoint.isEmpty()) {
            session().run(c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("ROLLBACK TO SAVEPOINT " + savepoint);
                }
                return null;
            });
            return;
        }
        closeAllCursors();
        if (local != null) {
            local.rollback();
        }
    }

    private void closeLocal() throws SQLException {
        closeAllCursors();
        if (statements != null) {
            statements.close();
            statements = null;
        }
        if (local != null) {
            local.close();
            local = null;
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The statement cache of the range session's connection {@code c}, kept across its transactions. */
    private StatementCache statements(Connection c) throws SQLException {
        if (statements == null || !statements.isFor(c)) {
            if (statements != null) {
                statements.close();
            }
            statements = new StatementCache(c);
        }
        return statements;
    }

    /** A statement for the Execute, parsed once per session, with its settings and parameters. */
    private static PreparedStatement prepare(StatementCache cache, Execute e) throws SQLException {
        PreparedStatement ps = cache.take(e.getSql());
        try {
            configure(ps, e);
            return ps;
        } catch (SQLException | RuntimeException ex) {
            ps.close();
            throw ex;
        }
    }

    private static void configure(PreparedStatement ps, Execute e) throws SQLException {
        if (e.getMaxRows() > 0) {
            ps.setLargeMaxRows(e.getMaxRows());
        }
        if (e.getTimeoutMillis() > 0) {
            ps.setQueryTimeout(Math.max(1, e.getTimeoutMillis() / 1000));
        }
        ps.setFetchSize(fetchSize(e.getFetchSize()));
        bind(ps, e.getParametersList());
    }

    /**
     * What a statement returns and takes, without running it; parsed on the session's connection
     * (in its schema) and kept there for its executions. Refused as Execute would refuse it.
     */
    private Prepared describe(String sql) throws SQLException {
        RangeSession s = session();
        s.classify(sql);
        return s.withoutTransaction(c -> {
            StatementCache cache = statements(c);
            PreparedStatement ps = cache.take(sql);
            try {
                Prepared.Builder out = Prepared.newBuilder();
                try {
                    ResultSetMetaData md = ps.getMetaData();
                    if (md != null) {
                        out.addAllColumns(Cursor.columns(md).getColumnsList());
                    }
                } catch (SQLException columns) {
                    // As H2 does: the columns cannot be described yet, the parameters still can.
                    out.setColumnsError(error(columns));
                }
                ParameterMetaData pm = ps.getParameterMetaData();
                for (int i = 1; i <= pm.getParameterCount(); i++) {
                    out.addParameters(Parameter.newBuilder().setJdbcType(pm.getParameterType(i))
                            .setTypeName(String.valueOf(pm.getParameterTypeName(i)))
                            .setPrecision(pm.getPrecision(i)).setScale(pm.getScale(i))
                            .setNullable(pm.isNullable(i))
                            .setClassName(String.valueOf(pm.getParameterClassName(i))));
                }
                cache.give(sql, ps);
                return out.build();
            } catch (SQLException | RuntimeException failure) {
                ps.close();
                throw failure;
            }
        });
    }

    private static void bind(PreparedStatement ps, List<Value> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            Object o = Values.toJava(values.get(i));
            if (o == null) {
                ps.setNull(i + 1, Types.NULL);
            } else {
                ps.setObject(i + 1, o);
            }
        }
    }

    private static int fetchSize(int requested) {
        return requested > 0 ? requested : DEFAULT_FETCH;
    }

    private static Lsn lsn(Outcome o) {
        return lsn(o, Lsn.newBuilder().setRange(Node.DATA_RANGE).build());
    }

    private static Lsn lsn(Outcome o, Lsn otherwise) {
        return o instanceof Outcome.Applied a ? Lsn.newBuilder().setRange(a.range()).setIndex(a.index()).build()
                : otherwise;
    }

    static Error error(SQLException e) {
        Error.Builder b = Error.newBuilder().setSqlState(e.getSQLState() == null ? "HY000" : e.getSQLState())
                .setMessage(String.valueOf(e.getMessage())).setVendorCode(e.getErrorCode());
        return b.build();
    }

    /** Ends the session: an open transaction rolls back, the link to the leader closes. */
    @Override
    public void close() {
        try {
            closeLocal();
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING,
                    "closing a client session failed", e);
        }
        forwarder.close();
    }
}
