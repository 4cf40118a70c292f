package io.flotilla.sql.sim;

import io.flotilla.protocol.Execute;

import java.util.List;

/**
 * Transfers between ledger accounts that lie in two ranges, each an explicit transaction through
 * the node server's sessions, as the driver sends one: a debit, a credit and a log row, committed
 * across ranges (prepare, decide, resolve, and recovery when a fault cuts a coordinator off). The
 * first thing it does is split the ledger at account {@value #SPLIT_AT}, so that accounts below it
 * and the log live in different ranges. Checked at the end: the ledger's total never changes, each
 * account holds its opening balance plus its logged transfers, every acknowledged transfer is
 * logged, none that was refused is, and nothing is left prepared anywhere. Checked at every read:
 * every third operation reads the ledger's total across both ranges in one query, which must see
 * each transfer whole or not at all (the cut of docs/ranges.md, "Isolation across ranges").
 */
final class TransferClient extends NodeClient {

    static final int ACCOUNTS = 4;
    static final int SPLIT_AT = 2;
    static final long OPENING_BALANCE = 100;

    private boolean split;
    private int transfers;
    private int operations;

    TransferClient(int id, StackSimulation sim) {
        super(id, sim);
    }

    @Override
    void operate() {
        if (!split) {
            Answer a = execute(Execute.newBuilder().setSql("ALTER TABLE LEDGER SPLIT AT VALUES (" + SPLIT_AT + ")"));
            // Done also when another transfer client split it first: the key is a range's start.
            split = a instanceof Answer.Done;
            return;
        }
        if (++operations % 3 == 0) {
            readTotal();
            return;
        }
        long transfer = id * 1_000_000L + ++transfers;
        int low = scheduler.random.nextInt(SPLIT_AT);
        int high = SPLIT_AT + scheduler.random.nextInt(ACCOUNTS - SPLIT_AT);
        boolean up = scheduler.random.nextBoolean();
        int from = up ? low : high;
        int to = up ? high : low;
        long amount = 1 + scheduler.random.nextInt(5);
        Answer a = transaction(List.of(
                Execute.newBuilder().setSql("UPDATE LEDGER SET BALANCE = BALANCE - " + amount + " WHERE ID = " + from),
                Execute.newBuilder().setSql("UPDATE LEDGER SET BALANCE = BALANCE + " + amount + " WHERE ID = " + to),
                Execute.newBuilder().setSql("INSERT INTO LEDGER_LOG VALUES (" + transfer + ", " + from + ", " + to + ", "
                        + amount + ")")));
        SimClient.Fate fate = a instanceof Answer.Done ? SimClient.Fate.APPLIED
                : ((Answer.Failed) a).maybeApplied() ? SimClient.Fate.UNKNOWN : SimClient.Fate.NOT_APPLIED;
        sim.history.ledgerTransfer(transfer, fate);
    }

    /** The ledger's total in one query across its ranges, at the default (linearizable) consistency. */
    private void readTotal() {
        Answer a = execute(Execute.newBuilder().setSql("SELECT CAST(SUM(BALANCE) AS BIGINT) FROM LEDGER"));
        if (a instanceof Answer.Failed f && f.sqlState().equals("40001")) {
            sim.history.ledgerTotalsRefused++;
        }
        if (a instanceof Answer.Done done && done.result().hasRows()) {
            sim.history.ledgerTotals++;
            long total = done.result().getRows().getRows(0).getValues(0).getLong();
            if (total != ACCOUNTS * OPENING_BALANCE) {
                sim.violation("client " + id + " read a ledger total of " + total + " instead of "
                        + ACCOUNTS * OPENING_BALANCE + " (a transfer across ranges seen in part)");
            }
        }
    }

    static List<String> schema() {
        return List.of("CREATE TABLE LEDGER(ID INT PRIMARY KEY, BALANCE BIGINT NOT NULL)",
                "CREATE TABLE LEDGER_LOG(ID BIGINT PRIMARY KEY, SOURCE INT, TARGET INT, AMOUNT BIGINT)");
    }

    static String rows() {
        StringBuilder rows = new StringBuilder("INSERT INTO LEDGER VALUES ");
        for (int a = 0; a < ACCOUNTS; a++) {
            rows.append(a == 0 ? "" : ", ").append("(").append(a).append(", ").append(OPENING_BALANCE).append(")");
        }
        return rows.toString();
    }
}
