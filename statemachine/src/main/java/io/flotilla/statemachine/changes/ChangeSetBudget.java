package io.flotilla.statemachine.changes;

import java.sql.SQLException;

/**
 * The configured maximum size of one change set, in bytes of its serialized row changes, and the
 * running count against it. A change set above the limit is refused as a whole: the statement
 * that crosses it fails and the transaction can only roll back, so no replica ever sees a part of
 * a transaction.
 */
final class ChangeSetBudget {

    /** SQLSTATE "program limit exceeded". */
    static final String LIMIT_EXCEEDED = "54000";

    private final long limit;
    private long used;

    ChangeSetBudget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("change set size limit must be positive: " + limit);
        }
        this.limit = limit;
    }

    long limit() {
        return limit;
    }

    long used() {
        return used;
    }

    /** Counts {@code bytes} more; fails if that takes the change set above the limit. */
    void charge(long bytes) throws SQLException {
        checkRoomFor(bytes);
        used += bytes;
    }

    /** Fails if {@code bytes} more would not fit; used before reading a LOB's content. */
    void checkRoomFor(long bytes) throws SQLException {
        if (bytes > limit - used) {
            throw exceeded(limit, used + bytes);
        }
    }

    static SQLException exceeded(long limit, long size) {
        return new SQLException("transaction change set of at least " + size
                + " bytes exceeds the change set size limit of " + limit
                + " bytes; the transaction can only be rolled back", LIMIT_EXCEEDED);
    }
}
