package io.flotilla.sql.sim;

import io.flotilla.protocol.Execute;

/**
 * Schema changes while the others write, through the node server's sessions as a client sends
 * them: an index on the accounts created and dropped (it ends the transactions that hold the
 * table), and columns added to a table nobody else writes (it ends nobody). DDL is applied on every
 * replica at its place in the log, under whatever faults are on; once the tables are split, the
 * node that takes it fans it out to every range in the order of the first data range's schema log,
 * and the ranges' logs are checked at the end.
 */
final class SchemaClient extends NodeClient {

    private boolean indexed;
    private int columns;
    private long nextAt;

    SchemaClient(int id, StackSimulation sim) {
        super(id, sim);
    }

    @Override
    void operate() {
        // Not changing the schema often would end most transfers; one every 100-400 ms.
        if (scheduler.now() < nextAt) {
            return;
        }
        // Plain DDL, no IF [NOT] EXISTS: one that ran before a crash must not run again on replay.
        // One that fails (the index is already there, or gone) fails alike everywhere.
        String ddl = scheduler.random.nextBoolean()
                ? (indexed ? "DROP INDEX ACCOUNTS_BALANCE" : "CREATE INDEX ACCOUNTS_BALANCE ON ACCOUNTS(BALANCE)")
                : "ALTER TABLE NOTES ADD COLUMN C" + ++columns + " INT";
        Answer a = execute(Execute.newBuilder().setSql(ddl));
        if (a instanceof Answer.Done) {
            sim.history.schemaChanges++;
        }
        if (!ddl.startsWith("ALTER")) {
            // Applied, or refused because the index was already as this one wanted it, or
            // unknown: the next attempt finds out, and fails over to the other if need be.
            indexed = !indexed;
        }
        nextAt = scheduler.now() + scheduler.millis(100, 400);
    }

    static String schema() {
        return "CREATE TABLE NOTES(ID INT PRIMARY KEY)";
    }
}
