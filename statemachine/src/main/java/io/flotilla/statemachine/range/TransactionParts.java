package io.flotilla.statemachine.range;

import com.google.protobuf.ByteString;
import io.flotilla.statemachine.changes.ChangeCapture;
import io.flotilla.statemachine.changes.ChangeRecorder;
import io.flotilla.statemachine.changes.RowImages;
import io.flotilla.statemachine.store.RangeStore;
import io.flotilla.statemachine.wire.Decide;
import io.flotilla.statemachine.wire.Prepare;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * What a replica's entries of transactions across ranges do (docs/ranges.md, "Cross-range
 * transactions"), in the apply session's open transaction, which the replica commits with the
 * entry's applied position: a part prepared ({@code FLOTILLA.PREPARED}, and in the record range
 * the record), decided ({@code FLOTILLA.TXN_RECORDS}), resolved, forgotten; and, on the leader,
 * the transactions that hold the prepared parts' row locks ({@link HeldTransactions}), taken again
 * by a new leader from the table.
 */
final class TransactionParts {

    /** The leadership a part's locks are taken again under: its term, schema version and span generation. */
    record Holder(long term, long schemaVersion, long generation) {
    }

    private final long range;
    private final RangeStore store;
    private final ChangeCapture capture;
    private final HeldTransactions held;

    TransactionParts(long range, RangeStore store, ChangeCapture capture, HeldTransactions held) {
        this.range = range;
        this.store = store;
        this.capture = capture;
        this.held = held;
    }

    /** Keeps the prepared part aside, and creates the record where this is the record range. */
    void prepare(Connection apply, Prepare prepare, long proposedAtMillis) throws SQLException {
        PreparedParts.add(apply, new PreparedParts.Part(prepare.getTxn(), prepare.getRecordRange(),
                prepare.getChangeSet(), proposedAtMillis));
        if (prepare.getParticipantsCount() > 0) {
            TransactionRecords.create(apply, prepare.getTxn(), TransactionRecords.Status.PENDING,
                    prepare.getParticipantsList(), proposedAtMillis);
        }
    }

    /** Whether a prepare must be refused: its record range gave up on the transaction before it came. */
    boolean abortedBefore(Connection apply, Prepare prepare) throws SQLException {
        return prepare.getParticipantsCount() > 0 && TransactionRecords.status(apply, prepare.getTxn()).isPresent();
    }

    /** The leader's own transaction of a part that just prepared keeps holding its locks. */
    void hold(ByteString txn, HeldTransaction own) {
        held.prepared(txn, own);
    }

    /**
     * The record's decision once {@code decide} applied, with this range's own part resolved to
     * match: a pending record takes it; a decided one keeps its decision; a missing one is written
     * aborted (the record range never prepared, or forgot the transaction long ago), so that a
     * prepare arriving after this is refused.
     */
    TransactionRecords.Status decide(Connection apply, Decide decide, long proposedAtMillis) throws SQLException {
        Optional<TransactionRecords.Status> status = TransactionRecords.status(apply, decide.getTxn());
        TransactionRecords.Status decided;
        if (status.isEmpty()) {
            decided = TransactionRecords.Status.ABORTED;
            TransactionRecords.create(apply, decide.getTxn(), decided, List.of(), proposedAtMillis);
        } else if (status.get() == TransactionRecords.Status.PENDING) {
            decided = decide.getCommit() ? TransactionRecords.Status.COMMITTED : TransactionRecords.Status.ABORTED;
            TransactionRecords.decide(apply, decide.getTxn(), decided);
        } else {
            decided = status.get();
        }
        resolve(apply, decide.getTxn(), decided == TransactionRecords.Status.COMMITTED);
        return decided;
    }

    /**
     * Ends this range's prepared part of {@code txn}, if it holds one: committed, the leader
     * commits the transaction that holds its locks, and everyone else writes its row images;
     * aborted, it is dropped.
     */
    void resolve(Connection apply, ByteString txn, boolean commit) throws SQLException {
        Optional<PreparedParts.Part> part = PreparedParts.find(apply, txn);
        Optional<HeldTransaction> holding = held.takePrepared(txn);
        if (part.isEmpty()) {
            holding.ifPresent(tx -> held.release(tx, "its transaction was resolved already"));
            return;
        }
        if (!commit) {
            holding.ifPresent(tx -> held.release(tx, "its transaction across ranges was aborted"));
        } else if (holding.isPresent()) {
            holding.get().commit(c -> null);
        } else {
            RowImages.apply(apply, part.get().changes());
        }
        PreparedParts.remove(apply, txn);
    }

    /** Drops the record of a committed transaction whose every part is resolved. */
    void forget(Connection apply, ByteString txn) throws SQLException {
        TransactionRecords.forget(apply, txn);
    }

    /**
     * A new leader, before it serves, takes the row locks of every part prepared here again (the
     * leader that prepared them held them, and that leader is gone): no client may write those rows
     * before the parts are resolved. Nothing else holds locks here yet (a role change ended every
     * held transaction), so this never waits.
     */
    void retakeAll(Connection apply, Holder holder) throws SQLException {
        for (PreparedParts.Part part : PreparedParts.all(apply)) {
            if (!held.holdsPrepared(part.txn())) {
                retake(part, holder);
            }
        }
    }

    /** Replays a part's row images in a transaction of the replica's own, left open: its locks. */
    void retake(PreparedParts.Part part, Holder holder) throws SQLException {
        Connection c = store.connect();
        try {
            c.setAutoCommit(false);
            ChangeRecorder recorder = capture.record(c);
            RowImages.apply(c, part.changes());
            held.retaken(part.txn(), HeldTransaction.retaken(c, recorder, holder.term(), holder.schemaVersion(),
                    holder.generation(), held.newProposalId(), held.statementLock()));
        } catch (SQLException | RuntimeException failure) {
            c.close();
            throw failure;
        }
    }
}
