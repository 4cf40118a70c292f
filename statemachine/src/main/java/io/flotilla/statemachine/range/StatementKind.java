package io.flotilla.statemachine.range;

import org.h2.command.CommandInterface;
import org.h2.command.Prepared;
import org.h2.command.ddl.DefineCommand;
import org.h2.command.dml.DataChangeStatement;
import org.h2.command.dml.ScriptCommand;
import org.h2.command.dml.TransactionCommand;
import org.h2.command.query.Query;

/** How a statement travels: the leader runs queries and DML in a held transaction; DDL is replicated as text. */
public enum StatementKind {
    /** Reads only (a SELECT may still draw sequence values, which the commit then replicates). */
    QUERY,
    /**
     * A query that locks what it reads until its transaction ends ({@code SELECT ... FOR UPDATE}):
     * only the leader runs it. On a follower its row locks would stand in the way of the apply
     * thread's writes, and a stale row is no basis for an update.
     */
    LOCKING_QUERY,
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
        if (prepared instanceof ScriptCommand) {
            // SCRIPT commits the session's transaction (held writes would become local, unreplicated
            // commits) and can write files on the node.
            return OTHER;
        }
        if (prepared instanceof TransactionCommand command) {
            // H2 files SHUTDOWN, CHECKPOINT and two-phase commit under transaction commands too:
            // only the session's own transaction control counts as one here.
            return switch (command.getType()) {
                case CommandInterface.COMMIT, CommandInterface.ROLLBACK, CommandInterface.SAVEPOINT,
                     CommandInterface.ROLLBACK_TO_SAVEPOINT, CommandInterface.BEGIN -> TRANSACTION;
                default -> OTHER;
            };
        }
        if (prepared.isQuery()) {
            return prepared instanceof Query q && q.getForUpdate() != null ? LOCKING_QUERY : QUERY;
        }
        // Only data changes count as DML: H2 calls other things transactional too (BACKUP, for one).
        return prepared instanceof DataChangeStatement ? DML : OTHER;
    }
}
