package io.flotilla.statemachine.changes;

import io.flotilla.statemachine.wire.ChangeSet;
import io.flotilla.statemachine.wire.RowChange;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;
import org.h2.engine.SessionLocal;
import org.h2.mvstore.tx.Transaction;
import org.h2.value.Value;

/**
 * Records the effects of one transaction of one H2 session, from {@link ChangeCapture#record}
 * until {@link #close()}. The session must run with auto-commit off; the recorder covers the
 * transaction that is open (or begins) when it is created, and nothing after it ends.
 *
 * <p>Once a statement has taken the change set above the size limit, the recorder is failed for
 * good: every further write and {@link #changeSet} throw the same SQLSTATE 54000 error, and the
 * only way out is rolling the transaction back.
 *
 * <p>Thread-safety: the trigger calls in on the session's thread while statements run; the owner
 * may build the change set from another thread once statements are done. Methods synchronize.
 */
public final class ChangeRecorder implements AutoCloseable {

    /** Upper bound of a row change's bytes besides its values (kind, names, lengths, tags). */
    private static final int CHANGE_OVERHEAD = 32;
    /** Upper bound of the per-value framing (field tag and length varint). */
    private static final int VALUE_OVERHEAD = 6;

    private final SessionLocal session;
    private final long limit;
    private final SequencePositions start;
    private Transaction transaction;
    private long fromLogId;
    private long estimate;
    private SQLException failure;
    private boolean closed;

    ChangeRecorder(SessionLocal session, long limit) {
        this.session = session;
        this.limit = limit;
        this.start = SequencePositions.of(session.getDatabase());
        if (session.hasPendingTransaction()) {
            // Recording starts mid-transaction: earlier writes are not ours to ship.
            this.transaction = session.getTransaction();
            this.fromLogId = transaction.setSavepoint();
        }
    }

    /** The size limit this recorder enforces, in bytes of serialized row changes. */
    public long limit() {
        return limit;
    }

    /** Whether a statement took the change set above the size limit. */
    public synchronized boolean isFailed() {
        return failure != null;
    }

    /**
     * Builds the change set of the transaction as it is now: its row changes in execution order
     * and the sequence floors that keep a later leader from reusing its identity/sequence values.
     * Call it after the last statement and before the commit. A change set without row changes
     * but with floors must still be proposed if the transaction drew sequence values that the
     * client may use.
     *
     * @throws SQLException SQLSTATE 54000 if the transaction is above the size limit
     */
    public synchronized ChangeSet changeSet(long schemaVersion) throws SQLException {
        checkOpen();
        checkNotFailed();
        List<RowChange> rows = Collections.emptyList();
        if (transaction != null || session.hasPendingTransaction()) {
            rows = readChanges();
        }
        return ChangeSet.newBuilder()
                .setSchemaVersion(schemaVersion)
                .addAllChanges(rows)
                .addAllSequences(SequencePositions.of(session.getDatabase()).floorsSince(start, session))
                .build();
    }

    /** Stops recording: the session's later writes are not captured. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            RecorderRegistry.unregister(session, this);
        }
    }

    /** Called by {@link CaptureTrigger} after a row of a captured table was written. */
    synchronized void rowWritten(String schema, String table, Value[] oldRow, Value[] newRow) throws SQLException {
        if (closed) {
            return;
        }
        checkNotFailed();
        // An UPDATE may reach the log as a removal plus an insertion: count both images in full.
        long names = 3L * (schema.length() + table.length());
        if (oldRow != null) {
            estimate += CHANGE_OVERHEAD + names + imageBound(oldRow);
        }
        if (newRow != null) {
            estimate += CHANGE_OVERHEAD + names + imageBound(newRow);
        }
        if (estimate > limit) {
            // The estimate only ever over-counts (rolled back statements stay in it), so the
            // exact size decides; the next crossing of the limit checks again.
            estimate = readChangesSize();
        }
    }

    private long readChangesSize() throws SQLException {
        ChangeSetBudget budget = new ChangeSetBudget(limit);
        read(budget);
        return budget.used();
    }

    private List<RowChange> readChanges() throws SQLException {
        return read(new ChangeSetBudget(limit));
    }

    private List<RowChange> read(ChangeSetBudget budget) throws SQLException {
        Transaction current = session.getTransaction();
        if (transaction == null) {
            transaction = current;
        } else if (transaction != current) {
            throw new IllegalStateException("the transaction this recorder covers has ended;"
                    + " a recorder records exactly one transaction");
        }
        try {
            return new TransactionChanges(session).read(transaction, fromLogId, budget);
        } catch (SQLException e) {
            if (ChangeSetBudget.LIMIT_EXCEEDED.equals(e.getSQLState())) {
                failure = e;
            }
            throw e;
        }
    }

    private static long imageBound(Value[] row) throws SQLException {
        long total = 0;
        for (Value value : row) {
            total += ValueCodec.encodedLengthBound(value) + VALUE_OVERHEAD;
        }
        return total;
    }

    private void checkNotFailed() throws SQLException {
        if (failure != null) {
            throw new SQLException(failure.getMessage(), failure.getSQLState(), failure);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("change recorder is closed");
        }
    }
}
