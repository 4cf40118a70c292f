package io.flotilla.sql.sim;

import java.util.HashMap;
import java.util.Map;

/** What the clients were told of their writes: the ground truth the end state is checked against. */
final class History {

    final Map<Long, SimClient.Fate> transfers = new HashMap<>();
    final Map<Long, SimClient.Fate> inserts = new HashMap<>();
    /** Transfers across ranges (TransferClient), by id. */
    final Map<Long, SimClient.Fate> ledgerTransfers = new HashMap<>();
    /** Ledger totals read across ranges (TransferClient): whole, and refused for want of a cut (40001). */
    int ledgerTotals;
    int ledgerTotalsRefused;
    int schemaChanges;
    /** Splits of the data range acknowledged to the split client. */
    int splits;
    /** The longest schema log of a data range at the end: schema changes fanned out after a split. */
    int schemaLogs;

    void transfer(long id, SimClient.Fate fate) {
        transfers.put(id, fate);
    }

    void ledgerTransfer(long id, SimClient.Fate fate) {
        ledgerTransfers.put(id, fate);
    }

    void insert(long tag, SimClient.Fate fate) {
        inserts.put(tag, fate);
    }

    long count(Map<Long, SimClient.Fate> of, SimClient.Fate fate) {
        return of.values().stream().filter(f -> f == fate).count();
    }
}
