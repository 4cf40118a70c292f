package io.flotilla.statemachine.range;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What applying a range command produced, the same on every replica: the answer to the client that
 * proposed it, and what the session table keeps so a retry gets the same answer.
 */
public sealed interface Outcome {

    /**
     * The command's effects are in the range at this log index: the client's LSN. For an
     * auto-commit statement, {@code updateCount} is its update count, kept for a retry's answer.
     */
    record Applied(long range, long index, long updateCount) implements Outcome {

        public Applied(long range, long index) {
            this(range, index, 0);
        }
    }

    /** The command was refused as a whole, deterministically; nothing of it was applied. */
    record Refused(String sqlState, String message) implements Outcome {

        public SQLException toException() {
            return new SQLException(message, sqlState);
        }
    }

    /**
     * Waits for a proposed command's outcome: returns it if applied, throws the refusal's error if
     * refused. A failure without an answer, a timeout or an interrupt means the command may still be
     * applied: {@link SqlStates#OUTCOME_UNKNOWN}.
     *
     * @param what the command, for messages ("the commit")
     */
    static Outcome await(CompletableFuture<Outcome> pending, Duration timeout, String what) throws SQLException {
        try {
            Outcome o = pending.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (o instanceof Refused r) {
                throw r.toException();
            }
            return o;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new SQLException(what + " failed: " + e.getCause(), SqlStates.OUTCOME_UNKNOWN, e.getCause());
        } catch (TimeoutException e) {
            throw new SQLException("no answer from the range within " + timeout.toSeconds() + " s: the outcome of "
                    + what + " is unknown", SqlStates.OUTCOME_UNKNOWN, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted: the outcome of " + what + " is unknown", SqlStates.OUTCOME_UNKNOWN, e);
        }
    }
}
