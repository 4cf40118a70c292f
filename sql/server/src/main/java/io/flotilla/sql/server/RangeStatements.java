package io.flotilla.sql.server;

import io.flotilla.protocol.Consistency;
import io.flotilla.protocol.Execute;
import io.flotilla.protocol.ExecuteResult;
import io.flotilla.protocol.Lsn;
import io.flotilla.protocol.Parameter;
import io.flotilla.protocol.ParameterSet;
import io.flotilla.protocol.Prepared;
import io.flotilla.protocol.RowBatch;
import io.flotilla.protocol.SessionSetting;
import io.flotilla.protocol.TransactionStep;
import io.flotilla.protocol.UpdateCount;
import io.flotilla.protocol.Value;
import io.flotilla.sql.node.Waits;
import io.flotilla.statemachine.range.LeadershipChangedException;
import io.flotilla.statemachine.range.Outcome;
import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.range.PartConditions;
import io.flotilla.statemachine.range.RangeBounds;
import io.flotilla.statemachine.range.RangeMismatchException;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.RangeSession;
import io.flotilla.statemachine.range.SchemaLog;
import io.flotilla.statemachine.range.SplitAt;
import io.flotilla.statemachine.range.SqlStates;
import io.flotilla.statemachine.range.StatementKeys;
import io.flotilla.statemachine.range.StatementKind;

import java.sql.Connection;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
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
 * A client session's statements on this node's replica of one range: where the replica leads, in
 * the session's held transaction ({@link RangeSession}); where it does not, reads a follower may
 * serve, on a read-only connection of their own. Owns what they leave open between requests: the
 * range session, its parsed statements, the cursors ({@link Cursors}).
 */
final class RangeStatements implements AutoCloseable {

    /** How long a leadership check (a lease read or a ReadIndex round) may take. */
    private static final long LEADERSHIP_CHECK_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(CommitWait.TIMEOUT_SECONDS);
    private static final int DEFAULT_FETCH = 1000;

    private final RangeReplica replica;
    private final Waits waits;
    /** Confirms this replica still leads: a lease read or a ReadIndex round on the range's group. */
    private final Leadership leadership;
    private final CommitWait commits;
    private final SessionSettings settings;
    private byte[] sessionId;
    private long sessionStartedMillis;
    private boolean readOnly;
    private RangeSession local;
    private final Cursors cursors = new Cursors();
    /** Statements kept parsed on the range session's connection. */
    private StatementCache statements;
    private volatile Statement running;
    /** The current request's: bounds its waits on the cluster. */
    private FailoverBudget budget = FailoverBudget.NONE;
    /** The current statement's keys, where this range checks them ({@link #owned}). */
    private Optional<StatementKeys> owned = Optional.empty();
    /** What this node ran as each range's leader: splits by load read it. */
    private final RangeLoad load;
    private long loadCounted;

    /** How this replica learns, on its group's thread, that it still leads. */
    interface Leadership {
        CompletableFuture<Boolean> confirm();
    }

    RangeStatements(RangeReplica replica, Waits waits, Leadership leadership, long electionTimeoutNanos,
                    SessionSettings settings, RangeLoad load) {
        this.replica = replica;
        this.load = load;
        this.waits = waits;
        this.leadership = leadership;
        this.commits = new CommitWait(replica, waits, electionTimeoutNanos, this::closeLocal);
        this.settings = settings;
    }

    void identify(byte[] sessionId, long startedMillis, boolean readOnly) {
        this.sessionId = sessionId;
        this.sessionStartedMillis = startedMillis;
        this.readOnly = readOnly;
    }

    void budget(FailoverBudget budget) {
        this.budget = budget;
    }

    RangeReplica replica() {
        return replica;
    }

    /** Whether a transaction is open in this replica's range session. */
    boolean inTransaction() {
        return local != null && local.inTransaction();
    }

    /** Cancels the statement running here, if any; false when none runs. */
    boolean cancelRunning() throws SQLException {
        Statement s = running;
        if (s == null) {
            return false;
        }
        s.cancel();
        return true;
    }

    /** How the statement must travel; parses it in the session's range session. */
    StatementKind classify(String sql) throws SQLException {
        return session().classify(sql);
    }

    private RangeSession session() throws SQLException {
        if (local == null) {
            RangeSession opened = replica.session(sessionId, sessionStartedMillis);
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

    /**
     * The keys the statement touches ({@link StatementKeys}), told in this session's range session
     * (its schema, its settings); for a batch, those of every parameter set.
     */
    StatementKeys keys(Execute e) throws SQLException {
        RangeSession s = session();
        if (e.getBatchCount() == 0) {
            return s.keys(e.getSql(), javaValues(e.getParametersList()));
        }
        List<StatementKeys> all = new ArrayList<>();
        for (ParameterSet set : e.getBatchList()) {
            all.add(s.keys(e.getSql(), javaValues(set.getValuesList())));
        }
        return StatementKeys.union(all);
    }

    /** The keys of each parameter set of a batch, in order. */
    List<StatementKeys> keysOfEach(Execute e) throws SQLException {
        RangeSession s = session();
        List<StatementKeys> all = new ArrayList<>();
        for (ParameterSet set : e.getBatchList()) {
            all.add(s.keys(e.getSql(), javaValues(set.getValuesList())));
        }
        return all;
    }

    /** Whether the statement changes each row by that row alone ({@code RowLocalChange}). */
    boolean rowLocal(Execute e) throws SQLException {
        return session().rowLocal(e.getSql());
    }

    /** Per table id, the conditions a range may filter its part of a table by, for a query across ranges. */
    Map<Long, PartConditions.Condition> partConditions(Execute e) throws SQLException {
        return session().partConditions(e.getSql());
    }

    /** The keys of a table, as this session's range session names it. */
    KeySpan tableSpan(String table) throws SQLException {
        return session().tableSpan(table);
    }

    /** The key a {@code SPLIT AT} names, resolved in this session's range session. */
    Key splitKey(SplitAt split, Execute e) throws SQLException {
        return session().splitKey(split, javaValues(e.getParametersList()));
    }

    private static List<Object> javaValues(List<Value> values) {
        List<Object> out = new ArrayList<>(values.size());
        for (Value v : values) {
            out.add(Values.toJava(v));
        }
        return out;
    }

    /**
     * On a range that holds part of the tables' keys: the statement's keys, refused with {@link
     * RangeMismatchException} unless this range owns all of them. Whoever routed it may have known
     * an older layout; this is what makes a stale route harmless. (Schema changes the range itself
     * refuses while it is split: they do not reach every range yet.) Called where the statement then
     * runs without a split applying in between: inside the range session's statement lock, which a
     * split takes whole, or, for a follower read, with the generation checked again afterwards.
     */
    private Optional<StatementKeys> owned(Execute e) throws SQLException {
        if (e.getPartGeneration() != 0) {
            return part(e);
        }
        if (!replica.split()) {
            return Optional.empty();
        }
        StatementKind kind = classify(e.getSql());
        if (kind != StatementKind.QUERY && kind != StatementKind.LOCKING_QUERY && kind != StatementKind.DML) {
            return Optional.empty();
        }
        StatementKeys keys = keys(e);
        KeySpan span = replica.bounds().orElseThrow().span();
        if (!keys.within(span)) {
            throw RangeMismatchException.of(replica.range(), span, keys);
        }
        return Optional.of(keys);
    }

    /**
     * Counts a statement this replica runs as the leader, and, where splits by load are on, a key
     * of it where the range told them anyway, else for one statement in {@link RangeLoad#SAMPLE_EVERY}.
     */
    private void countLoad(Execute e) throws SQLException {
        if (e.getPartGeneration() != 0) {
            return;
        }
        Key key = load.samplesKeys() ? owned.flatMap(StatementKeys::firstKey).orElse(null) : null;
        if (key == null && load.samplesKeys() && ++loadCounted % RangeLoad.SAMPLE_EVERY == 0) {
            key = keys(e).firstKey().orElse(null);
        }
        load.ran(replica.range(), waits.nanoTime(), key);
    }

    /**
     * This range's part of a statement across ranges, sent by the node that runs it: a query for
     * its part of a table ({@link SpanningRead}), or a change of each row by itself ({@code
     * RowLocalChange}) run in every range. It reads or changes whatever of the table this range
     * holds, which is the part the node meant only while the range's bounds are at the generation
     * the node planned with. Another generation means the span moved (a split): refused, and the
     * node plans again.
     */
    private Optional<StatementKeys> part(Execute e) throws SQLException {
        StatementKind kind = classify(e.getSql());
        if (kind != StatementKind.QUERY && !(kind == StatementKind.DML && rowLocal(e))) {
            throw new SQLException("a range's part of a statement across ranges is a query or a change of each "
                    + "row by itself", "XX000");
        }
        long generation = replica.bounds().map(RangeBounds::generation).orElse(0L);
        if (generation != e.getPartGeneration()) {
            throw new SQLException("range " + replica.range() + " is at generation " + generation
                    + " and the statement was planned at " + e.getPartGeneration() + ": plan it again",
                    SqlStates.RANGE_MISMATCH);
        }
        return Optional.empty();
    }

    /**
     * After an insert whose keys were not known before it ran: its rows must be this range's, or it
     * is undone (with the transaction it ran in) and refused with the key that is not.
     */
    private void requireWrittenHere(Execute e, Optional<StatementKeys> owned, RangeSession s) throws SQLException {
        // A range's part of a change across ranges may move a row's key (its primary key updated).
        boolean part = e.getPartGeneration() != 0;
        if (!part && (owned.isEmpty() || owned.get().insertsInto().isEmpty())) {
            return;
        }
        Optional<Key> outside = s.writtenOutside();
        if (outside.isPresent()) {
            closeAllCursors();
            s.rollback();
            throw new RangeMismatchException("range " + replica.range() + " does not own key " + outside.get()
                    + " of a row the statement wrote; it was undone, with the transaction it ran in: route it again",
                    outside.get());
        }
    }

    /** Runs a statement here: as the range's leader, or, for {@code asFollower}, as a follower read. */
    ExecuteResult execute(Execute e, boolean asFollower) throws SQLException {
        try {
            owned = Optional.empty();
            return asFollower ? followerQuery(e) : executeStatement(e);
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
                throw new SQLException("range " + replica.range() + ": leadership moved or the range split while the "
                        + "statement ran, and nothing of it was applied (" + failure.getMessage() + ")",
                        SqlStates.NOT_LEADER, failure);
            }
            throw failure;
        }
    }

    private ExecuteResult executeStatement(Execute e) throws SQLException {
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
            return run(kind, e, s, sql);
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

    private ExecuteResult retried(Outcome outcome) throws SQLException {
        if (outcome instanceof Outcome.Refused r) {
            throw r.toException();
        }
        Outcome.Applied a = (Outcome.Applied) outcome;
        return ExecuteResult.newBuilder().setUpdate(UpdateCount.newBuilder().setCount(a.updateCount()))
                .setLsn(lsn(a)).build();
    }

    private ExecuteResult run(StatementKind kind, Execute e, RangeSession s, String sql) throws SQLException {
        return switch (kind) {
            case DDL -> {
                closeAllCursors();
                Optional<SchemaLog.Place> fannedOut = e.hasSchemaLogPlace()
                        ? Optional.of(new SchemaLog.Place(e.getSchemaLogPlace().getSeq(), e.getSchemaLogPlace().getSchema()))
                        : Optional.empty();
                Outcome o = commits.await(s.schemaChange(sql, e.getSequence(), fannedOut), RESEND_ELSEWHERE, budget);
                yield ExecuteResult.newBuilder().setUpdate(UpdateCount.newBuilder().setCount(0)).setLsn(lsn(o)).build();
            }
            case TRANSACTION -> transactionStatement(sql, e);
            case OTHER -> sessionSetting(sql);
            case QUERY, LOCKING_QUERY -> query(e, s);
            case DML -> update(e, s);
        };
    }

    private ExecuteResult query(Execute e, RangeSession s) throws SQLException {
        confirmLeadershipFor(e, s);
        // Before the read: a part of a query across ranges is the range exactly as of it if the range
        // applies nothing more until the querying node checks (an apply commits before it counts).
        long before = replica.applied();
        RowBatch.Builder first = s.run(c -> {
            owned = owned(e);
            countLoad(e);
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
                Cursor cursor = new Cursor(cursors.nextId(), rs, () -> cache.give(e.getSql(), ps));
                cursors.add(cursor);
                return cursor.page(Cursor.columns(rs.getMetaData()), fetchSize(e.getFetchSize()));
            } finally {
                running = null;
            }
        });
        Lsn at = Lsn.newBuilder().setRange(replica.range()).setIndex(replica.applied()).build();
        if (first.getLast()) {
            cursors.finished(first.getCursor());
            if (e.getAutoCommit()) {
                at = lsn(commits.await(s.commit(e.getSequence()), RESEND_ELSEWHERE, budget), at);
            }
        }
        ExecuteResult.Builder result = ExecuteResult.newBuilder().setRows(first).setLsn(at);
        if (e.getPartGeneration() > 0) {
            result.setPartLsn(Lsn.newBuilder().setRange(replica.range()).setIndex(before));
        }
        return result.build();
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
            waits.await(leadership.confirm(), timeout);
        } catch (ExecutionException | TimeoutException ex) {
            throw new SQLException("range " + replica.range() + ": this replica could not confirm it leads: " + ex,
                    SqlStates.NOT_LEADER, ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", SqlStates.UNAVAILABLE, ex);
        }
    }

    private ExecuteResult update(Execute e, RangeSession s) throws SQLException {
        confirmLeadershipFor(e, s);
        UpdateCount.Builder result = s.run(c -> {
            owned = owned(e);
            countLoad(e);
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
        requireWrittenHere(e, owned, s);
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
    private ExecuteResult followerQuery(Execute e) throws SQLException {
        closeAllCursors();
        // A follower applies a split without waiting for readers: the generation before and after
        // the read's snapshot tells whether one came in between.
        long generation = replica.bounds().map(RangeBounds::generation).orElse(0L);
        owned = owned(e);
        Connection followerRead = replica.store().connect();
        cursors.followerRead(followerRead);
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
            Cursor cursor = new Cursor(cursors.nextId(), ps, rs);
            cursors.add(cursor);
            RowBatch.Builder first = cursor.page(Cursor.columns(rs.getMetaData()), fetchSize(e.getFetchSize()));
            if (replica.bounds().map(RangeBounds::generation).orElse(0L) != generation) {
                closeAllCursors();
                throw new RangeMismatchException("range " + replica.range() + " split while this replica read; "
                        + "route the read again", owned.flatMap(StatementKeys::firstKey)
                        .orElse(replica.bounds().orElseThrow().span().start()));
            }
            if (first.getLast()) {
                closeAllCursors();
            }
            return ExecuteResult.newBuilder().setRows(first)
                    .setLsn(Lsn.newBuilder().setRange(replica.range()).setIndex(replica.applied())).build();
        } finally {
            running = null;
        }
    }

    RowBatch fetch(long id, int size) throws SQLException {
        Cursor cursor = cursors.get(id);
        RowBatch.Builder page = cursors.onFollower() ? cursor.page(RowBatch.newBuilder(), fetchSize(size))
                : session().run(c -> cursor.page(RowBatch.newBuilder(), fetchSize(size)));
        cursors.paged(id, page);
        return page.build();
    }

    void closeCursor(long id) throws SQLException {
        cursors.close(id);
    }

    private void closeAllCursors() throws SQLException {
        cursors.close();
    }

    Lsn commit(long sequence) throws SQLException {
        closeAllCursors();
        if (local == null) {
            return Lsn.newBuilder().setRange(replica.range()).build();
        }
        try {
            return lsn(commits.await(local.commit(sequence), OUTCOME_UNKNOWN, budget));
        } catch (SQLException e) {
            if (SqlStates.RANGE_MISMATCH.equals(e.getSQLState())) {
                // An explicit transaction cannot be sent again by anyone but the application.
                throw new SQLException("the transaction was rolled back: the range split while it ran ("
                        + e.getMessage() + ")", SqlStates.ROLLED_BACK, e);
            }
            throw e;
        }
    }

    /**
     * A step of a transaction across ranges in this range ({@link CrossRangeCommit}): the session's
     * transaction here prepared as the range's part, or the range's decision or resolve of it.
     * Answers the LSN of the step's entry (index 0 for a prepare of a transaction that wrote nothing).
     */
    Lsn transactionStep(TransactionStep step) throws SQLException {
        byte[] txn = step.getTxn().toByteArray();
        return switch (step.getKind()) {
            case PREPARE -> {
                closeAllCursors();
                if (local == null) {
                    // The coordinator prepares only ranges the transaction wrote in: nothing open here
                    // means its part here was lost, and "prepared" would commit the others without it.
                    throw new SQLException("the transaction was rolled back: no part of it is open in range "
                            + replica.range() + " on this node (its leader changed since it wrote there)",
                            SqlStates.ROLLED_BACK);
                }
                try {
                    yield lsn(commits.await(local.prepare(txn, step.getRecordRange(), step.getParticipantsList()),
                            OUTCOME_UNKNOWN, budget));
                } catch (SQLException e) {
                    if (SqlStates.RANGE_MISMATCH.equals(e.getSQLState())) {
                        throw new SQLException("the transaction was rolled back: range " + replica.range()
                                + " split while it ran (" + e.getMessage() + ")", SqlStates.ROLLED_BACK, e);
                    }
                    throw e;
                }
            }
            case DECIDE -> lsn(commits.await(replica.proposeDecide(txn, step.getCommit()), OUTCOME_UNKNOWN, budget));
            case RESOLVE -> lsn(commits.await(replica.proposeResolve(txn, step.getCommit()), OUTCOME_UNKNOWN, budget));
            case FORGET -> lsn(commits.await(replica.proposeForget(txn), OUTCOME_UNKNOWN, budget));
            case UNRECOGNIZED -> throw new SQLException("unknown transaction step", SqlStates.NOT_SUPPORTED);
        };
    }

    void rollback(String savepoint) throws SQLException {
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

    /** Ends the range session (an open transaction rolls back) and everything it left open. */
    void closeLocal() throws SQLException {
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

    @Override
    public void close() throws SQLException {
        closeLocal();
    }

    /**
     * What a statement returns and takes, without running it; parsed on the session's connection
     * (in its schema) and kept there for its executions. Refused as Execute would refuse it.
     */
    Prepared describe(String sql) throws SQLException {
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
                    out.setColumnsError(ClientSession.error(columns));
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

    static void configure(PreparedStatement ps, Execute e) throws SQLException {
        if (e.getMaxRows() > 0) {
            ps.setLargeMaxRows(e.getMaxRows());
        }
        if (e.getTimeoutMillis() > 0) {
            ps.setQueryTimeout(Math.max(1, e.getTimeoutMillis() / 1000));
        }
        ps.setFetchSize(fetchSize(e.getFetchSize()));
        bind(ps, e.getParametersList());
    }

    static void bind(PreparedStatement ps, List<Value> values) throws SQLException {
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

    private Lsn lsn(Outcome o) {
        return lsn(o, Lsn.newBuilder().setRange(replica.range()).build());
    }

    private static Lsn lsn(Outcome o, Lsn otherwise) {
        return o instanceof Outcome.Applied a ? Lsn.newBuilder().setRange(a.range()).setIndex(a.index()).build()
                : otherwise;
    }
}
