package io.flotilla.statemachine.range;

import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.keys.KeySpan;

import java.sql.SQLException;

/**
 * A range was asked to run a statement whose keys are not all its own (a split moved them, or
 * whoever routed the statement knew an older layout): nothing of it ran or stayed. Carries a key
 * the range does not own, so that the caller finds the range that does and sends it there.
 */
public final class RangeMismatchException extends SQLException {

    private final transient Key key;

    public RangeMismatchException(String message, Key key) {
        super(message, SqlStates.RANGE_MISMATCH);
        this.key = key;
    }

    /** The statement's keys are not within {@code span}, the range's: names the first that is not. */
    public static RangeMismatchException of(long range, KeySpan span, StatementKeys keys) {
        Key outside = keys.firstOutside(span).orElse(span.start());
        return new RangeMismatchException("range " + range + " (keys " + span + ") does not own key " + outside
                + " of the statement; nothing of it ran: route it again", outside);
    }

    /** A key of the statement that the range does not own. */
    public Key key() {
        return key;
    }
}
