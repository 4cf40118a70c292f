package io.flotilla.sql.sim;

import io.flotilla.statemachine.range.RangeSession;

/**
 * Schema changes while the others write: an index on the accounts created and dropped (it ends
 * the transactions that hold the table), and columns added to a table nobody else writes (it ends
 * nobody). DDL is applied on every replica at its place in the log, under whatever faults are on.
 */
final class SchemaClient extends SimClient {

    private boolean indexed;
    private int columns;

    SchemaClient(int id, StackSimulation sim) {
        super(id, sim);
    }

    @Override
    void operate() {
        RangeSession s = session();
        if (s == null) {
            later();
            return;
        }
        // Plain DDL, no IF [NOT] EXISTS: one that ran before a crash must not run again on replay.
        // One that fails (the index is already there, or gone) fails alike everywhere.
        String ddl = scheduler.random.nextBoolean()
                ? (indexed ? "DROP INDEX ACCOUNTS_BALANCE" : "CREATE INDEX ACCOUNTS_BALANCE ON ACCOUNTS(BALANCE)")
                : "ALTER TABLE NOTES ADD COLUMN C" + ++columns + " INT";
        whenDone(s.schemaChange(ddl, ++sequence), fate -> {
            if (fate == Fate.APPLIED) {
                sim.history.schemaChanges++;
            }
            if (!ddl.startsWith("ALTER")) {
                // Applied, or refused because the index was already as this one wanted it, or
                // unknown: the next attempt finds out, and fails over to the other if need be.
                indexed = !indexed;
            }
            // Not waiting long between changes would end most transfers; one every 100-400 ms.
            scheduler.after(scheduler.millis(100, 400), this::later);
        });
    }

    static String schema() {
        return "CREATE TABLE NOTES(ID INT PRIMARY KEY)";
    }
}
