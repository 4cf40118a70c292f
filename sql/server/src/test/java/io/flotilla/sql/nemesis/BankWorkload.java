package io.flotilla.sql.nemesis;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Bank transfers in explicit SERIALIZABLE transactions over a few accounts, and audits: a
 * transaction whose one statement is {@code SELECT SUM(BALANCE)} (with the lowest balance and the
 * account holding it alongside). A transfer reads the source's balance and moves money only if
 * it covers the amount, so besides the constant total no balance may go below zero: two
 * transfers that both read the same balance and both debit it would be a lost update, which
 * SERIALIZABLE must refuse (40001 to one of them). Every audit must see the initial total and no
 * negative balance, whatever its commit then says, and so must the final state.
 *
 * <p>Transfers conflict now and then (40001 from H2, retried by a real application; here the
 * next transfer just goes on); a commit cut off by a failover is "outcome unknown" (40003), which
 * changes nothing for the total.
 */
final class BankWorkload implements Workload {

    static final String NAME = "bank";
    static final int ACCOUNTS = 8;
    /**
     * Low next to the amounts (1 to 50), so that balances are often close to zero: two transfers
     * spending the same balance then drive it below zero, where the audits see it.
     */
    static final long INITIAL_BALANCE = 100;
    static final long TOTAL = ACCOUNTS * INITIAL_BALANCE;
    /** How far back from an audit that saw a negative balance the report lists the transfers of that account. */
    private static final long EVIDENCE_WINDOW_NANOS = 3_000_000_000L;

    /**
     * One transfer as its client saw it; {@code balanceSeen} is -1 if it failed before reading it,
     * {@code detail} says at which step and why it failed (null if it committed).
     */
    record Transfer(int client, long invokedNanos, long completedNanos, int from, int to, long amount, long balanceSeen,
                    Outcome.Result result, String sqlState, long nodeBefore, long nodeAfter, String detail) {
        @Override
        public String toString() {
            return String.format("client %d [%.3f s, %.3f s] %d -> %d amount %d, read balance %s, %s%s, node %d -> %d%s",
                    client, invokedNanos / 1e9, completedNanos / 1e9, from, to, amount,
                    balanceSeen < 0 ? "-" : String.valueOf(balanceSeen), result,
                    sqlState == null ? "" : " " + sqlState, nodeBefore, nodeAfter, detail == null ? "" : " (" + detail + ")");
        }
    }

    /** Consecutive audits that saw the same wrong state: one anomaly. */
    static final class AuditFinding {
        final long firstNanos;
        long lastNanos;
        int audits = 1;
        final long sum;
        final long min;
        final long count;
        final int negativeAccount;
        /** When the last audit before it that saw a correct state was invoked, -1 if none did. */
        final long lastCorrectNanos;

        AuditFinding(long at, long sum, long min, long count, int negativeAccount, long lastCorrectNanos) {
            this.lastCorrectNanos = lastCorrectNanos;
            this.firstNanos = at;
            this.lastNanos = at;
            this.sum = sum;
            this.min = min;
            this.count = count;
            this.negativeAccount = negativeAccount;
        }

        boolean sameState(long sum, long min, long count, int negativeAccount) {
            return this.sum == sum && this.min == min && this.count == count && this.negativeAccount == negativeAccount;
        }

        Anomaly toAnomaly() {
            return new Anomaly(NAME, firstNanos, String.format("%d audit(s) from %.3f s to %.3f s saw %d accounts, total %d "
                    + "(expected %d), lowest balance %d%s", audits, firstNanos / 1e9, lastNanos / 1e9, count, sum, TOTAL,
                    min, negativeAccount >= 0 ? " in account " + negativeAccount : ""));
        }
    }

    private final List<WorkloadClient> clients = new ArrayList<>();
    private final List<String> evidence = new ArrayList<>();
    private String verdict = "not verified";

    BankWorkload(int transferClients, int auditClients, ClientUrls urls, RunClock clock, long seed) {
        for (int i = 0; i < transferClients; i++) {
            clients.add(new Transfers(i, urls, clock, new Random(seed + i)));
        }
        for (int i = transferClients; i < transferClients + auditClients; i++) {
            clients.add(new Audits(i, urls, clock));
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void createSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE ACCOUNTS(ID INT PRIMARY KEY, BALANCE BIGINT NOT NULL)");
            StringBuilder rows = new StringBuilder("INSERT INTO ACCOUNTS VALUES ");
            for (int i = 0; i < ACCOUNTS; i++) {
                rows.append(i == 0 ? "" : ", ").append('(').append(i).append(", ").append(INITIAL_BALANCE).append(')');
            }
            s.executeUpdate(rows.toString());
        }
    }

    @Override
    public List<WorkloadClient> clients() {
        return clients;
    }

    @Override
    public List<Anomaly> verify(Connection c) throws SQLException {
        List<Anomaly> anomalies = new ArrayList<>();
        List<Transfer> transfers = new ArrayList<>();
        for (WorkloadClient client : clients) {
            anomalies.addAll(client.anomalies);
            if (client instanceof Transfers t) {
                transfers.addAll(t.log);
            }
        }
        int audits = 0;
        // Consecutive findings after one correct audit share the explanation: the first gives it.
        Set<Long> explainedFrom = new HashSet<>();
        for (WorkloadClient client : clients) {
            if (client instanceof Audits a) {
                audits += a.audited;
                for (AuditFinding f : a.findings) {
                    anomalies.add(f.toAnomaly());
                    if (f.negativeAccount >= 0) {
                        evidence.add(explainNegative(f, a, transfers));
                    }
                    if (f.sum != TOTAL && explainedFrom.add(f.lastCorrectNanos)) {
                        evidence.add(explainTotal(f, a, transfers));
                    }
                }
            }
        }
        long sum;
        long min;
        long count;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT SUM(BALANCE), MIN(BALANCE), COUNT(*) FROM ACCOUNTS")) {
            rs.next();
            sum = rs.getLong(1);
            min = rs.getLong(2);
            count = rs.getLong(3);
        }
        if (sum != TOTAL || min < 0 || count != ACCOUNTS) {
            anomalies.add(new Anomaly(NAME, -1, "final state: " + count + " accounts, total " + sum
                    + " (expected " + TOTAL + "), lowest balance " + min));
        }
        long committed = transfers.stream().filter(t -> t.result() == Outcome.Result.OK).count();
        verdict = String.format("final total %d of %d, lowest balance %d; %d transfers committed, %d audits, each must "
                + "see %d and no negative balance", sum, TOTAL, min, committed, audits, TOTAL);
        return anomalies;
    }

    /** The transfers that touched the account in the seconds before an audit saw it negative. */
    private static String explainNegative(AuditFinding f, Audits auditor, List<Transfer> transfers) {
        StringBuilder b = new StringBuilder(String.format("account %d below zero (%d) from %.3f s (audit client %d); "
                + "its committed or unknown transfers begun before it and completed at most %d s before:", f.negativeAccount, f.min,
                f.firstNanos / 1e9, auditor.client, EVIDENCE_WINDOW_NANOS / 1_000_000_000L));
        transfers.stream()
                .filter(t -> t.from() == f.negativeAccount || t.to() == f.negativeAccount)
                .filter(t -> t.result() != Outcome.Result.FAILED)
                .filter(t -> t.invokedNanos() < f.firstNanos && t.completedNanos() > f.firstNanos - EVIDENCE_WINDOW_NANOS)
                .sorted(Comparator.comparingLong(Transfer::invokedNanos))
                .forEach(t -> b.append("\n    ").append(t));
        return b.toString();
    }

    /**
     * The transfers under way between the last audit that saw the right total and the first that
     * saw another: one of them changed the total (a half-applied transfer shows as its amount).
     */
    private static String explainTotal(AuditFinding f, Audits auditor, List<Transfer> transfers) {
        StringBuilder b = new StringBuilder(String.format("total %d instead of %d (off by %+d) from %.3f s (audit client "
                + "%d; the last correct audit began at %s); every transfer under way in between:", f.sum, TOTAL, f.sum - TOTAL,
                f.firstNanos / 1e9, auditor.client, f.lastCorrectNanos < 0 ? "-" : String.format("%.3f s", f.lastCorrectNanos / 1e9)));
        transfers.stream()
                .filter(t -> t.invokedNanos() < f.firstNanos && t.completedNanos() > f.lastCorrectNanos)
                .sorted(Comparator.comparingLong(Transfer::invokedNanos))
                .forEach(t -> b.append("\n    ").append(t));
        return b.toString();
    }

    @Override
    public List<String> evidence() {
        return evidence;
    }

    @Override
    public String verdict() {
        return verdict;
    }

    private static void serializable(Connection c) throws SQLException {
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
    }

    static final class Transfers extends WorkloadClient {
        final List<Transfer> log = new ArrayList<>();
        private final Random random;

        Transfers(int client, ClientUrls urls, RunClock clock, Random random) {
            super(NAME, client, urls, clock);
            this.random = random;
        }

        @Override
        void configure(Connection c) throws SQLException {
            serializable(c);
        }

        @Override
        void operate(Connection c) {
            int from = random.nextInt(ACCOUNTS);
            int to = (from + 1 + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
            long amount = 1 + random.nextInt(50);
            long node = linkedNode();
            long invoked = clock.now();
            long balance = -1;
            String step = "select";
            Outcome outcome;
            try {
                try (PreparedStatement read = c.prepareStatement("SELECT BALANCE FROM ACCOUNTS WHERE ID = ?")) {
                    read.setInt(1, from);
                    try (ResultSet rs = read.executeQuery()) {
                        if (!rs.next()) {
                            anomaly(invoked, "account " + from + " is missing");
                            c.rollback();
                            return;
                        }
                        balance = rs.getLong(1);
                    }
                }
                if (balance >= amount) {
                    // Rows in id order: two transfers never wait for each other's row locks in a cycle.
                    step = "first update";
                    move(c, Math.min(from, to), from < to ? -amount : amount, invoked);
                    step = "second update";
                    move(c, Math.max(from, to), from < to ? amount : -amount, invoked);
                }
                step = "commit";
                c.commit();
                outcome = record("transfer", invoked, node, Outcome.Result.OK, null);
            } catch (SQLException e) {
                rollbackQuietly(c);
                outcome = record("transfer", invoked, node,
                        "40003".equals(e.getSQLState()) ? Outcome.Result.UNKNOWN : Outcome.Result.FAILED, e, step);
            }
            log.add(new Transfer(client, invoked, outcome.completedNanos(), from, to, balance >= amount ? amount : 0,
                    balance, outcome.result(), outcome.sqlState(), node, outcome.nodeAfter(), outcome.detail()));
        }

        private void move(Connection c, int account, long delta, long invoked) throws SQLException {
            try (PreparedStatement update = c.prepareStatement("UPDATE ACCOUNTS SET BALANCE = BALANCE + ? WHERE ID = ?")) {
                update.setLong(1, delta);
                update.setInt(2, account);
                int n = update.executeUpdate();
                if (n != 1) {
                    anomaly(invoked, "UPDATE of account " + account + " changed " + n + " rows");
                }
            }
        }
    }

    /** Audits: the total seen by one SELECT inside a SERIALIZABLE transaction. */
    static final class Audits extends WorkloadClient {
        int audited;
        final List<AuditFinding> findings = new ArrayList<>();
        /** When the last audit that saw a correct state was invoked: where a finding's evidence starts. */
        private long lastCorrectNanos = -1;

        Audits(int client, ClientUrls urls, RunClock clock) {
            super(NAME, client, urls, clock);
        }

        @Override
        void configure(Connection c) throws SQLException {
            serializable(c);
        }

        @Override
        void operate(Connection c) {
            long node = linkedNode();
            long invoked = clock.now();
            String step = "select";
            try {
                try (Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT SUM(BALANCE), MIN(BALANCE), COUNT(*), "
                             + "MIN(CASE WHEN BALANCE < 0 THEN ID END) FROM ACCOUNTS")) {
                    rs.next();
                    long sum = rs.getLong(1);
                    long min = rs.getLong(2);
                    long count = rs.getLong(3);
                    int negative = rs.getInt(4);
                    negative = rs.wasNull() ? -1 : negative;
                    audited++;
                    // Whatever the commit says next: a snapshot that ever showed this is the anomaly.
                    if (sum != TOTAL || min < 0 || count != ACCOUNTS) {
                        AuditFinding last = findings.isEmpty() ? null : findings.get(findings.size() - 1);
                        if (last != null && last.sameState(sum, min, count, negative)) {
                            last.audits++;
                            last.lastNanos = invoked;
                        } else {
                            findings.add(new AuditFinding(invoked, sum, min, count, negative, lastCorrectNanos));
                        }
                    } else {
                        lastCorrectNanos = invoked;
                    }
                }
                step = "commit";
                c.commit();
                record("audit", invoked, node, Outcome.Result.OK, null);
            } catch (SQLException e) {
                rollbackQuietly(c);
                record("audit", invoked, node, Outcome.Result.FAILED, e, step);
            }
        }
    }
}
