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
        String ddl = scheduler.random.nextBoolean()
                ? (indexed ? "DROP INDEX IF EXISTS ACCOUNTS_BALANCE" : "CREATE INDEX IF NOT EXISTS ACCOUNTS_BALANCE ON ACCOUNTS(BALANCE)")
                : "ALTER TABLE NOTES ADD COLUMN IF NOT EXISTS C" + (columns + 1) + " INT";
        whenDone(s.schemaChange(ddl, ++sequence), fate -> {
            if (fate == Fate.APPLIED) {
                sim.history.schemaChanges++;
                if (ddl.startsWith("ALTER")) {
                    columns++;
                } else {
                    indexed = !indexed;
                }
            }
            // Not waiting long between changes would end most transfers; one every 100-400 ms.
            scheduler.after(scheduler.millis(100, 400), this::later);
        });
    }

    static String schema() {
        return "CREATE TABLE NOTES(ID INT PRIMARY KEY)";
    }
}
