package io.flotilla.statemachine.range;

import com.google.protobuf.ByteString;
import io.flotilla.statemachine.changes.ChangeRecorder;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The transactions a leading replica holds open for its clients, from their first statement to
 * their commit or roll-back: which are open, which are proposed (by proposal id), and the lock that
 * keeps their statements out while a schema change applies. Client threads open and run them; the
 * apply thread commits, releases and rolls them back.
 */
final class HeldTransactions {

    private static final System.Logger LOG = System.getLogger(HeldTransactions.class.getName());

    private final long range;
    /** The first half of every proposal id: unique to this replica's incarnation. */
    private final byte[] incarnation;
    private final AtomicLong proposals = new AtomicLong();
    /** In the order they began (proposal ids rise), so every pass over them is the same on a replay. */
    private final Set<HeldTransaction> held =
            new ConcurrentSkipListSet<>((a, b) -> Arrays.compareUnsigned(a.proposalId, b.proposalId));
    private final Map<ByteString, HeldTransaction> proposed = new ConcurrentHashMap<>();
    /** Parts of transactions across ranges prepared here, by transaction id, until resolved. */
    private final Map<ByteString, HeldTransaction> prepared = new ConcurrentHashMap<>();
    /**
     * Client statements hold the read side while they run; a schema change applies under the write
     * side, so no write can start between rolling back the writers and running the DDL (a writer
     * would make the DDL wait on its locks, and on this replica alone).
     */
    private final ReentrantReadWriteLock statements = new ReentrantReadWriteLock();

    HeldTransactions(long range, byte[] incarnation) {
        this.range = range;
        this.incarnation = incarnation.clone();
    }

    /** Registers a new transaction on a client's connection, under the leader term it runs in. */
    HeldTransaction open(Connection connection, ChangeRecorder recorder, long term, long schemaVersion, long generation) {
        byte[] id = newProposalId();
        HeldTransaction tx = new HeldTransaction(connection, recorder, term, schemaVersion, generation, id,
                statements.readLock());
        held.add(tx);
        return tx;
    }

    /** Its change set is on its way to the log: its entry finds it by proposal id when it applies. */
    void proposed(HeldTransaction tx) {
        proposed.put(ByteString.copyFrom(tx.proposalId), tx);
    }

    /** The transaction whose entry this is, if this replica proposed it and still holds it. */
    Optional<HeldTransaction> takeProposed(ByteString proposalId) {
        return proposalId.isEmpty() ? Optional.empty() : Optional.ofNullable(proposed.remove(proposalId));
    }

    /** Its entry applied and it committed (or it committed locally): no longer held. */
    void forget(HeldTransaction tx) {
        held.remove(tx);
    }

    /** Its {@code Prepare} applied: it waits, holding its locks, for the resolve of {@code txn}. */
    void prepared(ByteString txn, HeldTransaction tx) {
        tx.prepared();
        prepared.put(txn, tx);
    }

    /** A prepared part a new leader took again ({@link HeldTransaction#retaken}). */
    void retaken(ByteString txn, HeldTransaction tx) {
        held.add(tx);
        prepared.put(txn, tx);
    }

    /** A new proposal id of this incarnation, for a transaction this replica did not open for a client. */
    byte[] newProposalId() {
        return ByteBuffer.allocate(16).put(incarnation).putLong(proposals.incrementAndGet()).array();
    }

    boolean holdsPrepared(ByteString txn) {
        return prepared.containsKey(txn);
    }

    /** The prepared part of {@code txn} this leader holds, taken out for its resolve. */
    Optional<HeldTransaction> takePrepared(ByteString txn) {
        HeldTransaction tx = prepared.remove(txn);
        if (tx != null) {
            held.remove(tx);
        }
        return Optional.ofNullable(tx);
    }

    /** A held transaction ends without its entry: roll it back and forget it. */
    void release(HeldTransaction tx, String because) {
        release(tx, because, false);
    }

    /** Releases as {@link #release(HeldTransaction, String)}, because the range's leadership moved. */
    void releaseOnLeadershipChange(HeldTransaction tx, String because) {
        release(tx, because, true);
    }

    private void release(HeldTransaction tx, String because, boolean leadershipChanged) {
        proposed.remove(ByteString.copyFrom(tx.proposalId));
        prepared.values().remove(tx);
        held.remove(tx);
        try {
            if (leadershipChanged) {
                tx.rollBackOnLeadershipChange(because);
            } else {
                tx.rollBack(because);
            }
        } catch (SQLException e) {
            // Its session may still hold row locks: closing it is the one way left to release them.
            LOG.log(System.Logger.Level.WARNING, "range " + range + ": rolling back a transaction failed; "
                    + "closing its session", e);
            tx.closeConnection();
        }
    }

    /** Ends every one: proposed ones first, which release the row locks running statements may wait for. */
    void releaseAll(String because) {
        releaseAll(because, false);
    }

    /**
     * Ends every one because the range split: as after a leadership change, nothing of them was or
     * will be applied (the split refuses their entries), so an auto-commit statement among them is
     * sent again rather than failed ({@link LeadershipChangedException}).
     */
    void releaseAllOnSplit(String because) {
        releaseAll(because, true);
    }

    /** Ends every one as {@link #releaseAll(String)}, because the range's leadership moved. */
    void releaseAllOnLeadershipChange(String because) {
        releaseAll(because, true);
    }

    private void releaseAll(String because, boolean leadershipChanged) {
        for (HeldTransaction tx : new ArrayList<>(held)) {
            if (tx.state() != HeldTransaction.State.OPEN) {
                release(tx, because, leadershipChanged);
            }
        }
        for (HeldTransaction tx : new ArrayList<>(held)) {
            release(tx, because, leadershipChanged);
        }
    }

    /** The read side of the statement lock, which every held transaction's statements take. */
    Lock statementLock() {
        return statements.readLock();
    }

    boolean isEmpty() {
        return held.isEmpty();
    }

    /** Takes the write side of the statement lock, cancelling client statements that hold it up. */
    void lockOutStatements() throws SQLException {
        try {
            while (!statements.writeLock().tryLock(10, TimeUnit.MILLISECONDS)) {
                for (HeldTransaction tx : held) {
                    tx.interrupt();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while applying a schema change", SqlStates.UNAVAILABLE, e);
        }
    }

    void letStatementsIn() {
        statements.writeLock().unlock();
    }

    /**
     * What each held transaction touched, taken while no statement runs. {@code null} where that
     * cannot be told (its change set is over the size limit: it is doomed anyway).
     */
    Map<HeldTransaction, Set<String>> touched() {
        Map<HeldTransaction, Set<String>> touched = new LinkedHashMap<>();
        for (HeldTransaction tx : held) {
            if (tx.state() != HeldTransaction.State.ENDED) {
                try {
                    touched.put(tx, tx.touched());
                } catch (SQLException unknown) {
                    touched.put(tx, null);
                }
            }
        }
        return touched;
    }

    /**
     * Ends the held transactions that touched what a schema change alters, proposed ones first:
     * their entries would be refused anyway, and their locks would make the DDL wait on this
     * replica alone.
     */
    void endTouching(SchemaDiff diff, Map<HeldTransaction, Set<String>> touched, String because) {
        for (HeldTransaction.State state : List.of(HeldTransaction.State.PROPOSED, HeldTransaction.State.OPEN)) {
            for (Map.Entry<HeldTransaction, Set<String>> t : touched.entrySet()) {
                if (t.getKey().state() == state && (t.getValue() == null || diff.affects(t.getValue()))) {
                    release(t.getKey(), because);
                }
            }
        }
    }

    /** A schema change applied that altered nothing the open ones touched: they carry on under it. */
    void adoptSchemaVersion(long version) {
        for (HeldTransaction tx : held) {
            if (tx.state() == HeldTransaction.State.OPEN) {
                tx.schemaVersion = version;
            }
        }
    }
}
