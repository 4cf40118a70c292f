package io.flotilla.statemachine.store;

import java.sql.SQLException;

/** The database lacks the {@code FLOTILLA.APPLIED} row, so nobody can say what it has applied. */
public final class MissingAppliedPositionException extends SQLException {

    private static final long serialVersionUID = 1L;

    public MissingAppliedPositionException() {
        super("FLOTILLA.APPLIED has no row: the database does not record its applied position");
    }
}
