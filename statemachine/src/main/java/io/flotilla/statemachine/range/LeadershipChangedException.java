package io.flotilla.statemachine.range;

import java.sql.SQLTransactionRollbackException;

/**
 * A transaction ended because the range's leadership moved before it committed: this replica
 * stopped leading, a new term began, or its entry lost its place in the log to another leader's;
 * or because the range split under it (an entry of its still in the log comes after the split's and
 * is refused there). Nothing of it was applied, anywhere. To a transaction the client holds open it is the documented
 * {@link SqlStates#ROLLED_BACK}; a node serving an auto-commit statement answers "not the leader"
 * instead, so the driver sends the statement, under its session sequence, to the new leader and the
 * application never sees the leader change.
 */
public final class LeadershipChangedException extends SQLTransactionRollbackException {

    public LeadershipChangedException(String message, Throwable cause) {
        super(message, SqlStates.ROLLED_BACK, cause);
    }
}
