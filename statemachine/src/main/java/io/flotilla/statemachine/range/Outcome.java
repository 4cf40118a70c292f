package io.flotilla.statemachine.range;

import java.sql.SQLException;

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
}
