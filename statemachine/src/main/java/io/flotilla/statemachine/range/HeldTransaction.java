package io.flotilla.statemachine.range;

import io.flotilla.statemachine.changes.ChangeRecorder;
import io.flotilla.statemachine.wire.ChangeSet;

import org.h2.api.ErrorCode;
import org.h2.engine.Session;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.table.Table;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One transaction the leader runs for a client and holds open until Raft commits it: its H2
 * session, its change recorder, and who may touch it when.
 *
 * <p>The client's thread runs statements in it while it is {@code OPEN}; once its change set is
 * proposed it is {@code PROPOSED} and only the range's apply thread touches it, to commit it when
 * its entry applies or to roll it back. The apply thread may also roll back an {@code OPEN}
 * transaction (leadership lost, a schema change): it cancels the statement running in it, if any,
 * and waits for the client's thread to let go. A rolled-back transaction keeps the reason, which
 * the client's next statement or commit gets as a {@link SqlStates#ROLLED_BACK} error.
 */
final class HeldTransaction {

    /**
     * {@code PREPARED}: its part of a transaction across ranges applied as a {@code Prepare}; it
     * keeps its row locks, on the apply thread's watch, until a {@code Resolve} commits or drops it.
     */
    enum State { OPEN, PROPOSED, PREPARED, ENDED }

    private final Connection connection;
    private final ChangeRecorder recorder;
    /** The leader term the transaction runs under; it can only commit as an entry of that term. */
    final long term;
    /**
     * The schema version its writes were made against; its change set is refused if DDL changed
     * what it touched since. A transaction that outlives a schema change (it touched nothing the
     * change altered) adopts the new version.
     */
    volatile long schemaVersion;
    /** The generation of the range's span when it began: the keys it ran against. */
    final long generation;
    /** Statements run under its read side; a schema change applies under its write side. */
    private final Lock statements;
    final byte[] proposalId;
    private final ReentrantLock inUse = new ReentrantLock();
    private volatile State state = State.OPEN;
    private volatile String rolledBackBecause;
    /** Whether it was rolled back because the range's leadership moved (the client may be spared that). */
    private volatile boolean rolledBackOnLeadershipChange;
    /** The client's session closed while this was proposed: its connection closes when it ends. */
    private boolean closeWhenEnded;

    HeldTransaction(Connection connection, ChangeRecorder recorder, long term, long schemaVersion, long generation,
                    byte[] proposalId, Lock statements) {
        this.generation = generation;
        this.statements = statements;
        this.connection = connection;
        this.recorder = recorder;
        this.term = term;
        this.schemaVersion = schemaVersion;
        this.proposalId = proposalId;
    }

    State state() {
        return state;
    }

    /** Whether it wrote (or locked) anything yet: a transaction that only read holds no locks. */
    boolean hasWrites() throws SQLException {
        Session session = connection.unwrap(JdbcConnection.class).getSession();
        return state == State.PROPOSED || state == State.PREPARED
                || (session instanceof SessionLocal local && local.hasPendingTransaction());
    }

    ChangeRecorder recorder() {
        return recorder;
    }

    /**
     * The tables it holds locks on and the tables and sequences its changes name, as
     * {@code "SCHEMA"."NAME"}: what a schema change must not alter under it; nothing once it
     * ended. Only while no statement runs in it (the schema lock's write side is held).
     *
     * @throws SQLException if its change set cannot be read (over the size limit): it touched an
     *         unknown set of objects
     */
    Set<String> touched() throws SQLException {
        // Under inUse: no statement runs (the caller holds the statement lock), but the client may
        // be committing a transaction that wrote nothing, which ends it and closes its recorder.
        inUse.lock();
        try {
            if (state == State.ENDED) {
                return new HashSet<>();
            }
            Set<String> names = lockedTables();
            names.addAll(SchemaVersions.objectsOf(recorder.changeSet(0)));
            return names;
        } finally {
            inUse.unlock();
        }
    }

    /**
     * Its change set as it commits, naming the tables it holds locks on (see {@link #touched}).
     * Under inUse: the range may roll it back meanwhile (a schema change), and then it says so
     * rather than read a closed recorder.
     *
     * @throws SQLException 40001 if it was rolled back; the size limit's error if its changes are over it
     */
    ChangeSet changeSet() throws SQLException {
        inUse.lock();
        try {
            requireOpen();
            ChangeSet changes = recorder.changeSet(schemaVersion);
            if (changes.getChangesCount() == 0 && changes.getSequencesCount() == 0) {
                return changes;
            }
            return changes.toBuilder().addAllLockedTables(lockedTables()).build();
        } finally {
            inUse.unlock();
        }
    }

    /**
     * The tables it holds H2 locks on, as {@code "SCHEMA"."NAME"}: named in its change set, so
     * that the log refuses it where a schema change ended it on the leader (see {@link #touched}).
     */
    private Set<String> lockedTables() throws SQLException {
        Set<String> names = new HashSet<>();
        Session session = connection.unwrap(JdbcConnection.class).getSession();
        if (session instanceof SessionLocal local) {
            for (Table table : local.getLocks()) {
                names.add(ReplicatedTables.qualified(table.getSchema().getName(), table.getName()));
            }
        }
        return names;
    }

    /** Runs client work in the transaction, on the client's thread. */
    <T> T run(SqlWork<T> work) throws SQLException {
        // The statement lock first: a schema change holds its write side while it rolls
        // transactions back, and must find inUse free to take it (the other order deadlocks).
        statements.lock();
        inUse.lock();
        try {
            requireOpen();
            return work.run(connection);
        } catch (SQLException e) {
            if (rolledBackBecause != null) {
                // Cancelled because the range rolled the transaction back under it.
                throw rolledBack(e);
            }
            if (e.getErrorCode() == ErrorCode.LOCK_TIMEOUT_1) {
                endAfterLockTimeout();
            }
            throw e;
        } finally {
            inUse.unlock();
            statements.unlock();
        }
    }

    /**
     * A statement of this transaction waited out the lock timeout: the transaction ends here, as
     * PostgreSQL ends one at any error. H2 2.3.232 would keep it open, and then another transaction
     * that waits for a row this one holds spins in {@code MVMap.operate} until this one ends,
     * ignoring its own lock timeout (two transactions locking two rows in opposite orders, the
     * first to time out going on: {@code LockTimeoutTest} shows it, the whole-stack simulator
     * hung on it). The statement's own error stands; the next statement gets 40001. Under inUse.
     */
    private void endAfterLockTimeout() throws SQLException {
        rolledBackBecause = "a statement in it waited out the lock timeout, which ends the transaction (its locks "
                + "would hold up the transaction it waited for); retry it";
        state = State.ENDED;
        recorder.close();
        connection.rollback();
    }

    /** Cancels the statement running in it, if any, without ending the transaction. */
    void interrupt() throws SQLException {
        cancelRunningStatement();
    }

    /** The client is done with statements: from now on only the apply thread touches the transaction. */
    void propose() throws SQLException {
        inUse.lock();
        try {
            requireOpen();
            state = State.PROPOSED;
        } finally {
            inUse.unlock();
        }
    }

    /** On the apply thread: its {@code Prepare} applied; it holds its locks until it is resolved. */
    void prepared() {
        inUse.lock();
        try {
            if (state != State.PROPOSED) {
                throw new IllegalStateException("preparing a transaction that is " + state);
            }
            state = State.PREPARED;
        } finally {
            inUse.unlock();
        }
    }

    /**
     * A prepared part taken again by a new leader from {@code FLOTILLA.PREPARED}: its row images
     * are written on a connection of the replica's own, left uncommitted, so the rows are locked
     * as on the leader that prepared it. The connection closes when it ends.
     */
    static HeldTransaction retaken(Connection connection, ChangeRecorder recorder, long term, long schemaVersion,
                                   long generation, byte[] proposalId, Lock statements) {
        HeldTransaction tx = new HeldTransaction(connection, recorder, term, schemaVersion, generation, proposalId,
                statements);
        tx.state = State.PREPARED;
        tx.closeWhenEnded = true;
        return tx;
    }

    /**
     * On the apply thread: the transaction's own entry applied; commits it with the entry's
     * bookkeeping (applied position, session outcome), which must only insert rows under new keys
     * (docs/apply-path.md: the transaction's own isolation level governs these writes).
     */
    void commit(SqlWork<Void> bookkeeping) throws SQLException {
        inUse.lock();
        try {
            if (state != State.PROPOSED && state != State.PREPARED) {
                throw new IllegalStateException("committing a transaction that is " + state);
            }
            bookkeeping.run(connection);
            connection.commit();
            state = State.ENDED;
            recorder.close();
            closeIfAsked();
        } finally {
            inUse.unlock();
        }
    }

    /**
     * The client's session is closing. A proposed transaction still needs its connection to commit
     * when its entry applies (closing it then would fail the apply and stop the replica): the
     * connection is closed when the transaction ends. Returns whether it took the connection over.
     */
    boolean closeConnectionWhenEnded() {
        inUse.lock();
        try {
            if (state == State.PROPOSED || state == State.PREPARED) {
                closeWhenEnded = true;
                return true;
            }
            return false;
        } finally {
            inUse.unlock();
        }
    }

    private void closeIfAsked() throws SQLException {
        if (closeWhenEnded) {
            connection.close();
        }
    }

    /** The transaction wrote nothing that needs the log: commit it here (ends its read snapshot). */
    void commitLocally() throws SQLException {
        inUse.lock();
        try {
            requireOpen();
            connection.commit();
            state = State.ENDED;
            recorder.close();
        } finally {
            inUse.unlock();
        }
    }

    /**
     * Rolls back, from any thread; a statement running in it is cancelled first. Idempotent. A
     * failure to roll back is rethrown: the session is then unusable and its owner closes it.
     */
    void rollBack(String because) throws SQLException {
        rollBack(because, false);
    }

    /** Rolls back as {@link #rollBack(String)}, because the range's leadership moved. */
    void rollBackOnLeadershipChange(String because) throws SQLException {
        rollBack(because, true);
    }

    private void rollBack(String because, boolean leadershipChanged) throws SQLException {
        if (state == State.ENDED) {
            return;
        }
        if (!inUse.tryLock()) {
            // A client statement is running (perhaps waiting for a lock this range must release);
            // the reason is set first, so the statement's failure reports it.
            rolledBackOnLeadershipChange = leadershipChanged;
            rolledBackBecause = because;
            cancelRunningStatement();
            inUse.lock();
        }
        try {
            if (state == State.ENDED) {
                return;
            }
            rolledBackOnLeadershipChange = leadershipChanged;
            rolledBackBecause = because;
            state = State.ENDED;
            recorder.close();
            connection.rollback();
            closeIfAsked();
        } finally {
            inUse.unlock();
        }
    }

    private void cancelRunningStatement() throws SQLException {
        Session session = connection.unwrap(JdbcConnection.class).getSession();
        if (session instanceof SessionLocal local) {
            local.cancel();
        }
    }

    private void requireOpen() throws SQLException {
        if (state == State.OPEN) {
            return;
        }
        if (rolledBackBecause != null) {
            throw rolledBack(null);
        }
        throw new SQLException("the transaction is " + state.name().toLowerCase() + "; it takes no more statements",
                SqlStates.INVALID_TRANSACTION_STATE);
    }

    /** Its roll-back failed: closing the H2 session is what releases its locks now. */
    void closeConnection() {
        try {
            connection.close();
        } catch (SQLException e) {
            System.getLogger(HeldTransaction.class.getName()).log(System.Logger.Level.WARNING,
                    "closing a transaction's session failed too", e);
        }
    }

    String rolledBackBecause() {
        return rolledBackBecause;
    }

    /** The error its client gets once it was rolled back: why, and whether leadership moved. */
    SQLException rolledBack(Throwable cause) {
        String message = "the transaction was rolled back: " + rolledBackBecause;
        return rolledBackOnLeadershipChange ? new LeadershipChangedException(message, cause)
                : new SQLException(message, SqlStates.ROLLED_BACK, cause);
    }
}
