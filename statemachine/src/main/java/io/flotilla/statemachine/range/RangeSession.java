package io.flotilla.statemachine.range;

import io.flotilla.statemachine.changes.EmbeddedSession;
import io.flotilla.statemachine.changes.RowKeys;
import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.keys.KeyEncoding;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.wire.ChangeSet;
import org.h2.command.Prepared;
import org.h2.command.query.Select;
import org.h2.engine.SessionLocal;
import org.h2.expression.Expression;
import org.h2.expression.Parameter;
import org.h2.index.Index;
import org.h2.table.Column;
import org.h2.table.Table;
import org.h2.message.DbException;
import org.h2.value.Value;
import org.h2.value.ValueToObjectConverter;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A client's session on the range's leader: statements run in a held H2 transaction that begins
 * with the first statement after a commit or rollback; the commit replicates its change set and
 * completes once the range applied it. DDL is replicated as text and needs no open transaction.
 *
 * <p>Writes are numbered by the client ({@code sequence}, 1, 2, 3, ... per session id): a retry of
 * a commit with the same number, here or on another replica after a failover, gets the first
 * attempt's outcome and is never applied twice.
 *
 * <p>Used by one client thread at a time. The range may roll the transaction back under it
 * (leadership lost, a schema change); then every statement and the commit fail with
 * {@link SqlStates#ROLLED_BACK} until the client rolls back.
 */
public final class RangeSession implements AutoCloseable {

    private final RangeReplica range;
    private final Connection connection;
    private final byte[] sessionId;
    private final long startedMillis;
    private HeldTransaction current;
    /** The last transaction proposed; it may still be waiting for its entry to apply. */
    private HeldTransaction proposed;

    RangeSession(RangeReplica range, Connection connection, byte[] sessionId, long startedMillis) throws SQLException {
        this.startedMillis = startedMillis;
        this.range = range;
        this.connection = connection;
        this.sessionId = sessionId.clone();
        connection.setAutoCommit(false);
    }

    /** How the statement must travel; parses it without running it. */
    public StatementKind classify(String sql) throws SQLException {
        NodeAccess.refuse(sql);
        Prepared prepared = EmbeddedSession.prepare(connection, sql);
        ClientStatementRules.check(prepared);
        return StatementKind.of(prepared);
    }

    /**
     * The keys the statement touches, with its parameters ({@code parameters} as JDBC would take
     * them, in order), told from its plan in this session (its schema, its settings) without
     * running it: {@link StatementKeys}.
     */
    public StatementKeys keys(String sql, List<Object> parameters) throws SQLException {
        Prepared prepared = EmbeddedSession.prepare(connection, sql);
        SessionLocal session = EmbeddedSession.of(connection);
        List<Parameter> slots = prepared.getParameters();
        try {
            for (int i = 0; i < slots.size() && i < parameters.size(); i++) {
                slots.get(i).setValue(ValueToObjectConverter.objectToValue(session, parameters.get(i), Value.UNKNOWN));
            }
            return StatementKeys.of(session, prepared, range.tableIds());
        } catch (DbException e) {
            throw DbException.toSQLException(e);
        }
    }

    /**
     * Whether the statement changes each row by what that row holds alone ({@link RowLocalChange}):
     * then run in every range that holds keys of its table, it does what it does in one database.
     */
    public boolean rowLocal(String sql) throws SQLException {
        return RowLocalChange.of(EmbeddedSession.prepare(connection, sql));
    }

    /**
     * For a query across ranges: per table id, the conditions each range may filter its part of
     * the table by ({@link PartConditions}), as SQL whose {@code ?n} are the query's parameters.
     */
    public Map<Long, PartConditions.Condition> partConditions(String sql) throws SQLException {
        try {
            return PartConditions.of(EmbeddedSession.prepare(connection, sql), range.tableIds());
        } catch (DbException e) {
            throw DbException.toSQLException(e);
        }
    }

    /** The keys of table {@code table} (as SQL names it, in this session's schema). */
    public KeySpan tableSpan(String table) throws SQLException {
        Prepared prepared = EmbeddedSession.prepare(connection, "SELECT * FROM " + table);
        if (!(prepared instanceof Select select) || select.getTopFilters().size() != 1) {
            throw new SQLException("not one table: " + table, "42000");
        }
        Table t = select.getTopFilters().get(0).getTable();
        Long id = range.tableIds().get(new TableName(t.getSchema().getName(), t.getName()));
        if (id == null) {
            throw new SQLException("table " + t.getName() + " is not a replicated table", "42S02");
        }
        return KeySpan.ofTable(id);
    }

    /**
     * The key a {@code SPLIT AT} names: its table's id, then its values as the table's leading
     * primary key columns, each converted to its column's type (where that changes it in H2's
     * comparison, the statement is refused: no key would equal it). Resolved by H2 in this session
     * as {@code SELECT values FROM table}, which is prepared and never run.
     *
     * @throws SQLException 42S02 for no such table, 42000 for more values than key columns or a
     *         value that is not a literal or a parameter, 22018 for a value of no key
     */
    public Key splitKey(SplitAt split, List<Object> parameters) throws SQLException {
        Prepared prepared = EmbeddedSession.prepare(connection, "SELECT " + split.values() + " FROM " + split.table());
        SessionLocal session = EmbeddedSession.of(connection);
        if (!(prepared instanceof Select select) || select.getTopFilters().size() != 1) {
            throw new SQLException("SPLIT AT names one table and a list of values: " + split, "42000");
        }
        List<Parameter> slots = prepared.getParameters();
        try {
            for (int i = 0; i < slots.size() && i < parameters.size(); i++) {
                slots.get(i).setValue(ValueToObjectConverter.objectToValue(session, parameters.get(i), Value.UNKNOWN));
            }
            Table table = select.getTopFilters().get(0).getTable();
            Long id = range.tableIds().get(new TableName(table.getSchema().getName(), table.getName()));
            Index primaryKey = table.findPrimaryKey();
            if (id == null || primaryKey == null) {
                throw new SQLException("table " + table.getName() + " is not a replicated table", "42S02");
            }
            Column[] keyColumns = primaryKey.getColumns();
            int count = select.getColumnCount();
            if (count > keyColumns.length) {
                throw new SQLException("SPLIT AT gives " + count + " values; the primary key of " + table.getName()
                        + " has " + keyColumns.length + " columns", "42000");
            }
            Value[] key = new Value[count];
            for (int i = 0; i < count; i++) {
                Expression e = select.getExpressions().get(i);
                if (!e.isConstant() && !(e instanceof Parameter)) {
                    throw new SQLException("SPLIT AT takes literal values or parameters: " + e.getTraceSQL(), "42000");
                }
                Optional<List<Value>> exact = StatementKeys.exact(session, keyColumns[i], List.of(e.getValue(session)));
                if (exact.isEmpty()) {
                    throw new SQLException("SPLIT AT value " + e.getTraceSQL() + " is no value of key column "
                            + keyColumns[i].getName(), "22018");
                }
                key[i] = exact.get().get(0);
            }
            return KeyEncoding.rowKey(id, key);
        } catch (DbException e) {
            throw DbException.toSQLException(e);
        }
    }

    /**
     * Whether the keys this session's open transaction wrote are all in the range's span: the
     * rows a statement wrote, checked once it ran, where its keys could not be told before
     * ({@link StatementKeys#insertsInto()}). Empty if so; else the first key outside.
     */
    public Optional<Key> writtenOutside() throws SQLException {
        Optional<RangeBounds> bounds = range.bounds();
        if (current == null || bounds.isEmpty() || !range.split()) {
            return Optional.empty();
        }
        RowKeys.TableIdOf ids = TableIds.lookup(range.tableIds());
        ChangeSet changes = current.changeSet();
        return current.run(c -> RowKeys.firstOutside(c, changes, bounds.get().span(), ids));
    }

    /** Runs queries or DML in the session's transaction, beginning one if none is open. */
    public <T> T run(SqlWork<T> work) throws SQLException {
        if (current == null) {
            requireNoCommitInFlight();
            current = range.begin(connection);
        } else if (current.state() == HeldTransaction.State.OPEN && (range.term() != current.term || !range.serving())) {
            // Its term is over: it could never commit, so it ends now rather than at the commit.
            range.releaseOnLeadershipChange(current, "this replica stopped leading the range");
        }
        return current.run(work);
    }

    /**
     * Sets the isolation level of the session's next transactions, one of JDBC's
     * {@code Connection.TRANSACTION_*} levels; H2 implements each among the leader's held
     * transactions (docs/statemachine.md has the mapping). Only between transactions.
     */
    public void setIsolation(int level) throws SQLException {
        requireNoCommitInFlight();
        if (current != null) {
            throw new SQLException("the isolation level changes only between transactions",
                    SqlStates.INVALID_TRANSACTION_STATE);
        }
        connection.setTransactionIsolation(level);
    }

    /** Whether a transaction is open (statements ran since the last commit or rollback). */
    public boolean inTransaction() {
        return current != null;
    }

    /**
     * Commits the open transaction: replicates its changes and completes with the outcome once this
     * replica applied them. A transaction that changed nothing commits locally.
     */
    public CompletableFuture<Outcome> commit(long sequence) {
        return commit(sequence, 0);
    }

    /**
     * Commits as {@link #commit(long)}, keeping {@code updateCount} (an auto-commit statement's)
     * with the outcome for a retry's answer.
     */
    public CompletableFuture<Outcome> commit(long sequence, long updateCount) {
        return endThroughLog("commit", true, range.applied(),
                (tx, changes) -> range.propose(tx, changes, sessionId, startedMillis, sequence, updateCount));
    }

    /** How the open transaction's change set is proposed to end it. */
    @FunctionalInterface
    private interface Ending {
        CompletableFuture<Outcome> propose(HeldTransaction tx, ChangeSet changes) throws SQLException;
    }

    /**
     * Ends the open transaction through the log: none open answers {@link Outcome.Applied} at {@code
     * emptyAt}; one that changed nothing commits here when {@code emptyEndsHere}, at {@code
     * emptyAt} too; any other is proposed by {@code ending}.
     */
    private CompletableFuture<Outcome> endThroughLog(String what, boolean emptyEndsHere, long emptyAt, Ending ending) {
        HeldTransaction tx = current;
        current = null;
        if (tx == null) {
            return CompletableFuture.completedFuture(new Outcome.Applied(range.range(), emptyAt));
        }
        if (tx.state() != HeldTransaction.State.OPEN) {
            range.release(tx, "it had ended");
            return CompletableFuture.failedFuture(tx.rolledBack(null));
        }
        try {
            ChangeSet changes = tx.changeSet();
            if (emptyEndsHere && changes.getChangesCount() == 0 && changes.getSequencesCount() == 0) {
                tx.commitLocally();
                range.forget(tx);
                return CompletableFuture.completedFuture(new Outcome.Applied(range.range(), emptyAt));
            }
            proposed = tx;
            return ending.propose(tx, changes);
        } catch (SQLException e) {
            SQLException failure = tx.rolledBackBecause() != null ? tx.rolledBack(e) : e;
            range.release(tx, "its " + what + " failed: " + e.getMessage());
            return CompletableFuture.failedFuture(failure);
        }
    }

    /**
     * Prepares the open transaction as this range's part of transaction {@code txn} across ranges
     * (docs/ranges.md, "Cross-range transactions"): replicates its change set as a {@code Prepare}
     * and completes once this replica applied it; from then on the transaction holds its locks
     * until a resolve of {@code txn} commits or drops it, and the session takes no new transaction
     * until then. In the record range ({@code participants} not empty), the prepare also creates
     * the transaction's record. A transaction that changed nothing commits locally and prepares
     * nothing: {@link Outcome.Applied} at index 0. With no transaction open, it fails ({@code
     * 40001}): the coordinator asks only ranges the transaction wrote in.
     */
    public CompletableFuture<Outcome> prepare(byte[] txn, long recordRange, List<Long> participants) {
        if (current == null) {
            // Only a range the transaction wrote in is asked to prepare: none open means its part
            // here is gone, and an empty "prepared" would let the others commit without it.
            return CompletableFuture.failedFuture(new SQLException("the transaction was rolled back: no part of it "
                    + "is open in range " + range.range() + " for this session", SqlStates.ROLLED_BACK));
        }
        // The record range prepares even with nothing changed: its prepare creates the record.
        return endThroughLog("prepare", participants.isEmpty(), 0,
                (tx, changes) -> range.proposePrepare(tx, changes, txn, recordRange, participants));
    }

    /**
     * Changes a setting of this session alone (its schema, time zone): in the open transaction if
     * there is one, else directly, so that no transaction is left open behind it.
     */
    public void setting(String sql) throws SQLException {
        withoutTransaction(c -> {
            try (java.sql.Statement st = c.createStatement()) {
                st.execute(sql);
            }
            return null;
        });
    }

    /**
     * Work that changes no rows and needs no transaction (a setting, parsing or describing a
     * statement): in the open transaction if there is one, else directly on the session's
     * connection, leaving no transaction open behind it.
     */
    public <T> T withoutTransaction(SqlWork<T> work) throws SQLException {
        if (current != null) {
            return current.run(work);
        }
        requireNoCommitInFlight();
        return work.run(connection);
    }

    /**
     * The previous commit may still be in flight on this H2 connection (the client stopped waiting
     * for it): another transaction here would run inside it and commit with it, and a setting
     * (H2 commits on an isolation change) would commit it before its entry applies.
     */
    private void requireNoCommitInFlight() throws SQLException {
        if (proposed != null && (proposed.state() == HeldTransaction.State.PROPOSED
                || proposed.state() == HeldTransaction.State.PREPARED)) {
            throw new SQLException("the session's previous commit is still in flight and its outcome unknown; "
                    + "open a new session (the driver reconnects)", SqlStates.OUTCOME_UNKNOWN);
        }
    }

    /** The outcome the range already gave this session's write {@code sequence}, if any. */
    public Optional<Outcome> answered(long sequence) throws SQLException {
        return range.answered(sessionId, startedMillis, sequence);
    }

    /** Rolls back the open transaction, if any. */
    public void rollback() {
        HeldTransaction tx = current;
        current = null;
        if (tx != null) {
            range.release(tx, "rolled back by the client");
        }
    }

    /**
     * Replicates a DDL statement; completes once this replica applied it. As in H2, DDL commits the
     * open transaction first: with {@code sequence} if there is one (and the DDL then goes without a
     * session record: inside a transaction a client does not resend), else the DDL takes it.
     */
    public CompletableFuture<Outcome> schemaChange(String ddl, long sequence) {
        return schemaChange(ddl, sequence, Optional.empty());
    }

    /**
     * As {@link #schemaChange(String, long)}, for a change a node fans out to every range once the
     * tables are split, at {@code fannedOut}'s place in the first data range's schema log ({@link SchemaLog}).
     */
    public CompletableFuture<Outcome> schemaChange(String ddl, long sequence, Optional<SchemaLog.Place> fannedOut) {
        if (current == null) {
            return range.proposeSchemaChange(connection, ddl, sessionId, startedMillis, sequence, fannedOut);
        }
        return commit(sequence).thenCompose(committed -> committed instanceof Outcome.Refused r
                ? CompletableFuture.completedFuture(r)
                : range.proposeSchemaChange(connection, ddl, sessionId, startedMillis, 0, fannedOut));
    }

    @Override
    public void close() throws SQLException {
        rollback();
        if (proposed == null || !proposed.closeConnectionWhenEnded()) {
            connection.close();
        }
    }
}
