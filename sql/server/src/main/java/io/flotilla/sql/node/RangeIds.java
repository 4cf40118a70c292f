package io.flotilla.sql.node;

import io.flotilla.statemachine.range.Outcome;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.RangeSession;
import io.flotilla.statemachine.range.SqlStates;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Ids for ranges a split makes, given by the meta range's leader from a counter the meta range
 * keeps ({@code RANGE_IDS}): each id once, cluster-wide, whichever node asks. An id given to a split
 * that then fails is never used: ids are not reused, gaps are harmless.
 */
public final class RangeIds {

    static final String TABLE = "RANGE_IDS";
    static final String CREATE = "CREATE TABLE IF NOT EXISTS " + TABLE
            + "(ID TINYINT PRIMARY KEY CHECK (ID = 0), NEXT_RANGE BIGINT NOT NULL)";
    /** The ranges of the initial layout are 1 (meta) and 2 (data): splits number from here. */
    private static final long FIRST = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final RangeReplica meta;
    private final Waits waits;
    private final byte[] sessionId;
    /**
     * One id at a time. Taken by polling through {@link Waits} rather than a monitor: in the
     * whole-stack simulator a session waits only through them, and one blocked on a monitor held
     * by another that waits for the network would stop every simulated thread.
     */
    private final ReentrantLock giving = new ReentrantLock();

    RangeIds(RangeReplica meta, long nodeId, Waits waits) {
        this.meta = meta;
        this.waits = waits;
        // Its writes carry no sequence, so nothing is kept under this id: it only names them.
        this.sessionId = ("flotilla node " + nodeId + " range ids").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A new range id, written to the meta range before it is returned. Only on the meta range's
     * leader ({@link SqlStates#NOT_LEADER} elsewhere).
     */
    public long next() throws SQLException {
        try {
            while (!giving.tryLock()) {
                waits.sleep(POLL_NANOS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting to give a range id", SqlStates.UNAVAILABLE, e);
        }
        try {
            return nextHeld();
        } finally {
            giving.unlock();
        }
    }

    private long nextHeld() throws SQLException {
        if (!meta.serving()) {
            throw new SQLException("range " + Node.META_RANGE + ": this node does not lead it", SqlStates.NOT_LEADER);
        }
        boolean exists;
        try (Connection c = meta.store().connect()) {
            exists = MetaTables.exists(c, TABLE);
        }
        try (RangeSession s = meta.session(sessionId)) {
            if (!exists) {
                await(s.schemaChange(CREATE, 0), "creating " + TABLE);
            }
            long id = s.run(c -> {
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("MERGE INTO " + TABLE + " KEY(ID) SELECT 0, " + FIRST
                            + " WHERE NOT EXISTS (SELECT 1 FROM " + TABLE + ")");
                    long given;
                    try (ResultSet rs = st.executeQuery("SELECT NEXT_RANGE FROM " + TABLE + " WHERE ID = 0 FOR UPDATE")) {
                        rs.next();
                        given = rs.getLong(1);
                    }
                    st.executeUpdate("UPDATE " + TABLE + " SET NEXT_RANGE = NEXT_RANGE + 1 WHERE ID = 0");
                    return given;
                }
            });
            await(s.commit(0), "recording range id " + id);
            return id;
        }
    }

    /** A meta write's outcome, waited for as the node's sessions wait; a refusal is its error. */
    private void await(CompletableFuture<Outcome> pending, String what) throws SQLException {
        Outcome outcome;
        try {
            outcome = waits.await(pending, TIMEOUT.toNanos());
        } catch (ExecutionException e) {
            throw e.getCause() instanceof SQLException sql ? sql
                    : new SQLException(what + " failed: " + e.getCause(), SqlStates.OUTCOME_UNKNOWN, e.getCause());
        } catch (TimeoutException e) {
            throw new SQLException("no answer within " + TIMEOUT.toSeconds() + " s: the outcome of " + what
                    + " is unknown", SqlStates.OUTCOME_UNKNOWN, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted: the outcome of " + what + " is unknown", SqlStates.OUTCOME_UNKNOWN, e);
        }
        if (outcome instanceof Outcome.Refused r) {
            throw r.toException();
        }
    }
}
