package io.flotilla.statemachine.range;

import org.h2.command.Prepared;
import org.h2.command.ddl.DefineCommand;
import org.h2.command.dml.TransactionCommand;

/** How a statement travels: the leader runs queries and DML in a held transaction; DDL is replicated as text. */
public enum StatementKind {
    /** Reads only (a SELECT may still draw sequence values, which the commit then replicates). */
    QUERY,
    /** Writes rows: runs in the session's held transaction, captured as row images. */
    DML,
    /** Changes the schema: executed on every replica, in log order, at apply time. */
    DDL,
    /** COMMIT, ROLLBACK, SAVEPOINT and the like: the session's own transaction control. */
    TRANSACTION,
    /** Settings, maintenance and file commands (SET, CHECKPOINT, SHUTDOWN, SCRIPT, BACKUP, ...): not replicated. */
    OTHER;

    static StatementKind of(Prepared prepared) {
        if (prepared instanceof DefineCommand) {
            return DDL;
        }
        if (prepared instanceof TransactionCommand) {
            return TRANSACTION;
        }
        if (prepared.isQuery()) {
            return QUERY;
        }
        return prepared.isTransactional() ? DML : OTHER;
    }
}
