package io.flotilla.sql.nemesis;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Transfers across ranges, and audits that read the total across them (docs/ranges.md, "Cross-range
 * transactions" and "Isolation across ranges"). The ledger is split into two ranges at account
 * {@value #SPLIT_AT} when it is created: every transfer moves money from an account in one range to
 * one in the other and writes a log row (in the second range), as one explicit transaction at
 * {@code READ COMMITTED}, which commits across the two ranges (prepare, decide, resolve, and
 * recovery when a fault cuts its coordinator off). Each audit is one auto-commit query of the
 * ledger's total at the default (linearizable) consistency: it must see every transfer whole or not
 * at all, so the total never changes.
 *
 * <p>At the end, each account must hold its opening balance plus what its logged transfers moved
 * (a transfer applied in part would break it), every acknowledged transfer must be logged, and none
 * that was refused (`40001`) may be.
 */
final class LedgerWorkload implements Workload {

    static final String NAME = "ledger";
    static final int ACCOUNTS = 8;
    static final int SPLIT_AT = ACCOUNTS / 2;
    static final long INITIAL_BALANCE = 1_000;
    static final long TOTAL = ACCOUNTS * INITIAL_BALANCE;

    private final List<WorkloadClient> clients = new ArrayList<>();
    private final List<String> evidence = new ArrayList<>();
    private String verdict = "not verified";

    LedgerWorkload(int transferClients, int auditClients, ClientUrls urls, RunClock clock, long seed) {
        for (int i = 0; i < transferClients; i++) {
            clients.add(new Transfers(i, urls, clock, new Random(seed + 100 + i)));
        }
        for (int i = transferClients; i < transferClients + auditClients; i++) {
            clients.add(new Audits(i, urls, clock));
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    /** After the other workloads' tables: their keys come first, so the split leaves them in the first range. */
    @Override
    public void createSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE LEDGER(ID INT PRIMARY KEY, BALANCE BIGINT NOT NULL)");
            s.execute("CREATE TABLE LEDGER_LOG(ID BIGINT PRIMARY KEY, SOURCE INT NOT NULL, TARGET INT NOT NULL, "
                    + "AMOUNT BIGINT NOT NULL)");
            StringBuilder rows = new StringBuilder("INSERT INTO LEDGER VALUES ");
            for (int i = 0; i < ACCOUNTS; i++) {
                rows.append(i == 0 ? "" : ", ").append('(').append(i).append(", ").append(INITIAL_BALANCE).append(')');
            }
            s.executeUpdate(rows.toString());
            s.execute("ALTER TABLE LEDGER SPLIT AT VALUES (" + SPLIT_AT + ")");
        }
    }

    @Override
    public List<WorkloadClient> clients() {
        return clients;
    }

    @Override
    public List<Anomaly> verify(Connection c) throws SQLException {
        // Queries across the ledger's ranges run outside a transaction (or at READ COMMITTED): the
        // connection may come from another workload's check in another state.
        if (!c.getAutoCommit()) {
            c.rollback();
            c.setAutoCommit(true);
        }
        c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        List<Anomaly> anomalies = new ArrayList<>();
        Map<Long, Transfer> transfers = new HashMap<>();
        int audits = 0;
        for (WorkloadClient client : clients) {
            anomalies.addAll(client.anomalies);
            if (client instanceof Transfers t) {
                t.log.forEach(x -> transfers.put(x.id(), x));
            } else if (client instanceof Audits a) {
                audits += a.audited;
            }
        }
        long[] expected = new long[ACCOUNTS];
        java.util.Arrays.fill(expected, INITIAL_BALANCE);
        Set<Long> logged = new HashSet<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT ID, SOURCE, TARGET, AMOUNT FROM LEDGER_LOG")) {
            while (rs.next()) {
                logged.add(rs.getLong(1));
                expected[rs.getInt(2)] -= rs.getLong(4);
                expected[rs.getInt(3)] += rs.getLong(4);
            }
        }
        long sum = 0;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT ID, BALANCE FROM LEDGER ORDER BY ID")) {
            while (rs.next()) {
                int account = rs.getInt(1);
                long balance = rs.getLong(2);
                sum += balance;
                if (balance != expected[account]) {
                    anomalies.add(new Anomaly(NAME, -1, "final state: account " + account + " holds " + balance
                            + ", its logged transfers make " + expected[account] + " (a transfer applied in part)"));
                    long off = Math.abs(balance - expected[account]);
                    StringBuilder b = new StringBuilder("account " + account + " off by " + (balance - expected[account])
                            + "; its transfers of that amount:");
                    transfers.values().stream()
                            .filter(t -> (t.from() == account || t.to() == account) && t.amount() == off)
                            .sorted(java.util.Comparator.comparingLong(Transfer::invokedNanos))
                            .forEach(t -> b.append("\n    ").append(t).append(logged.contains(t.id()) ? ", logged" : ", not logged"));
                    evidence.add(b.toString());
                }
            }
        }
        if (sum != TOTAL) {
            anomalies.add(new Anomaly(NAME, -1, "final total " + sum + " (expected " + TOTAL + ")"));
        }
        long committed = 0;
        for (Transfer t : transfers.values()) {
            if (t.result() == Outcome.Result.OK) {
                committed++;
                if (!logged.contains(t.id())) {
                    anomalies.add(new Anomaly(NAME, t.invokedNanos(), "acknowledged transfer " + t.id() + " is not logged"));
                }
            } else if (t.result() == Outcome.Result.FAILED && logged.contains(t.id())) {
                anomalies.add(new Anomaly(NAME, t.invokedNanos(), "transfer " + t.id() + " failed certainly ("
                        + t.sqlState() + ") and is logged"));
            }
        }
        verdict = String.format("final total %d of %d, every account as its %d logged transfers make it; %d transfers "
                + "across ranges committed, %d audits across ranges, each must see %d", sum, TOTAL, logged.size(),
                committed, audits, TOTAL);
        return anomalies;
    }

    @Override
    public List<String> evidence() {
        return evidence;
    }

    @Override
    public String verdict() {
        return verdict;
    }

    record Transfer(long id, long invokedNanos, long completedNanos, int from, int to, long amount,
                    Outcome.Result result, String sqlState, String detail) {
        @Override
        public String toString() {
            return String.format("transfer %d [%.3f s, %.3f s] %d -> %d amount %d: %s%s%s", id, invokedNanos / 1e9,
                    completedNanos / 1e9, from, to, amount, result, sqlState == null ? "" : " " + sqlState,
                    detail == null ? "" : " (" + detail + ")");
        }
    }

    /** Transfers from one range's accounts to the other's, each an explicit transaction at READ COMMITTED. */
    static final class Transfers extends WorkloadClient {
        final List<Transfer> log = new ArrayList<>();
        private final Random random;
        private int next;

        Transfers(int client, ClientUrls urls, RunClock clock, Random random) {
            super(NAME, client, urls, clock);
            this.random = random;
        }

        @Override
        void configure(Connection c) throws SQLException {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        }

        @Override
        void operate(Connection c) {
            long id = client * 1_000_000_000L + ++next;
            int low = random.nextInt(SPLIT_AT);
            int high = SPLIT_AT + random.nextInt(ACCOUNTS - SPLIT_AT);
            boolean up = random.nextBoolean();
            int from = up ? low : high;
            int to = up ? high : low;
            long amount = 1 + random.nextInt(50);
            long node = linkedNode();
            long invoked = clock.now();
            String step = "first update";
            Outcome outcome;
            try {
                // Accounts in id order: two transfers never wait for each other's row locks in a cycle.
                move(c, low, up ? -amount : amount, invoked);
                step = "second update";
                move(c, high, up ? amount : -amount, invoked);
                step = "log";
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO LEDGER_LOG VALUES (?, ?, ?, ?)")) {
                    insert.setLong(1, id);
                    insert.setInt(2, from);
                    insert.setInt(3, to);
                    insert.setLong(4, amount);
                    insert.executeUpdate();
                }
                step = "commit";
                c.commit();
                outcome = record("transfer", invoked, node, Outcome.Result.OK, null);
            } catch (SQLException e) {
                rollbackQuietly(c);
                // Only the commit can leave the outcome open: before it, nothing was decided.
                Outcome.Result result = step.equals("commit") && !"40001".equals(e.getSQLState())
                        ? Outcome.Result.UNKNOWN : Outcome.Result.FAILED;
                outcome = record("transfer", invoked, node, result, e, step);
            }
            log.add(new Transfer(id, invoked, outcome.completedNanos(), from, to, amount, outcome.result(),
                    outcome.sqlState(), outcome.detail()));
        }

        private void move(Connection c, int account, long delta, long invoked) throws SQLException {
            try (PreparedStatement update = c.prepareStatement("UPDATE LEDGER SET BALANCE = BALANCE + ? WHERE ID = ?")) {
                update.setLong(1, delta);
                update.setInt(2, account);
                int n = update.executeUpdate();
                if (n != 1) {
                    anomaly(invoked, "UPDATE of ledger account " + account + " changed " + n + " rows");
                }
            }
        }
    }

    /** Audits: the ledger's total in one auto-commit query across its two ranges. */
    static final class Audits extends WorkloadClient {
        int audited;

        Audits(int client, ClientUrls urls, RunClock clock) {
            super(NAME, client, urls, clock);
        }

        @Override
        void configure(Connection c) throws SQLException {
            c.setAutoCommit(true);
        }

        @Override
        void operate(Connection c) {
            long node = linkedNode();
            long invoked = clock.now();
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT SUM(BALANCE), COUNT(*) FROM LEDGER")) {
                rs.next();
                long sum = rs.getLong(1);
                long count = rs.getLong(2);
                audited++;
                if (sum != TOTAL || count != ACCOUNTS) {
                    anomaly(invoked, "an audit across ranges saw " + count + " accounts holding " + sum + " (expected "
                            + TOTAL + ": a transfer across ranges seen in part)");
                }
                record("audit", invoked, node, Outcome.Result.OK, null);
            } catch (SQLException e) {
                record("audit", invoked, node, Outcome.Result.FAILED, e, "select");
            }
        }
    }
}
