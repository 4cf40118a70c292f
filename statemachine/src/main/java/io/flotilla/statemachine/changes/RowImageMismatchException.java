package io.flotilla.statemachine.changes;

import java.sql.SQLException;

/**
 * A change set does not fit the replica it is applied to: a row to delete or update is missing or
 * differs from the leader's image, a key to insert already exists, a table, column or sequence is
 * missing. The replica has diverged from the leader (or the change set belongs to another schema
 * version); the apply transaction must be rolled back, never continued.
 */
public final class RowImageMismatchException extends SQLException {

    /** SQLSTATE "data corrupted": the replica's content no longer matches the log. */
    public static final String DATA_CORRUPTED = "XX001";

    private static final long serialVersionUID = 1L;

    public RowImageMismatchException(String message) {
        super(message, DATA_CORRUPTED);
    }

    public RowImageMismatchException(String message, Throwable cause) {
        super(message, DATA_CORRUPTED, cause);
    }
}
