package io.flotilla.sql.sim;

import io.flotilla.statemachine.range.Outcome;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.RangeSession;
import io.flotilla.statemachine.range.SqlStates;

import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * A simulated client: one operation at a time, through the range's client-facing session code
 * ({@link RangeSession}) on whichever replica serves as leader. Its continuations run as scheduled
 * actions, never inside the host's loop that completed a commit.
 */
abstract class SimClient {

    /** What became of a commit, as a client can tell it. */
    enum Fate { APPLIED, NOT_APPLIED, UNKNOWN }

    final int id;
    final StackSimulation sim;
    final Scheduler scheduler;
    private final byte[] sessionId;
    private final long startedMillis;
    private SimNode on;
    private int onIncarnation;
    private RangeSession session;
    long sequence;
    boolean stopped;

    SimClient(int id, StackSimulation sim) {
        this.id = id;
        this.sim = sim;
        this.scheduler = sim.scheduler;
        this.sessionId = new byte[] {(byte) 0xC1, (byte) id};
        this.startedMillis = 1_700_000_000_000L + scheduler.now() / 1_000_000;
    }

    /** Starts the client's loop of operations. */
    void start() {
        scheduler.after(scheduler.millis(0, 20), this::next);
    }

    private void next() {
        if (!stopped) {
            operate();
        }
    }

    /** One operation; it ends by calling {@link #later()}. */
    abstract void operate();

    void later() {
        scheduler.after(scheduler.millis(1, 30), this::next);
    }

    /**
     * The session on the replica that serves now, opened there if need be; empty when no replica
     * serves (the client tries again later).
     */
    RangeSession session() {
        for (SimNode node : sim.nodesInRandomOrder()) {
            if (node.up() && node.replica().serving()) {
                if (on != node || onIncarnation != node.incarnation() || session == null) {
                    dropSession();
                    try {
                        session = node.replica().session(sessionId, startedMillis);
                    } catch (SQLException e) {
                        return null;
                    }
                    on = node;
                    onIncarnation = node.incarnation();
                }
                return session;
            }
        }
        return null;
    }

    RangeReplica replicaOfSession() {
        return on.replica();
    }

    void dropSession() {
        if (session != null) {
            try {
                session.close();
            } catch (SQLException | RuntimeException e) {
                // Its node crashed under it: nothing is left to close.
            }
            session = null;
        }
    }

    /** Runs {@code then} with the commit's fate, as an action of its own once the commit completes. */
    void whenDone(CompletableFuture<Outcome> commit, Consumer<Fate> then) {
        commit.whenComplete((outcome, failure) -> scheduler.after(1_000, () -> then.accept(fate(outcome, failure))));
    }

    static Fate fate(Outcome outcome, Throwable failure) {
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            String state = cause instanceof SQLException s ? s.getSQLState() : null;
            return SqlStates.OUTCOME_UNKNOWN.equals(state) || state == null ? Fate.UNKNOWN : Fate.NOT_APPLIED;
        }
        if (outcome instanceof Outcome.Refused r) {
            return SqlStates.OUTCOME_UNKNOWN.equals(r.sqlState()) ? Fate.UNKNOWN : Fate.NOT_APPLIED;
        }
        return Fate.APPLIED;
    }
}
