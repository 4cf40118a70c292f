package io.flotilla.sql.nemesis;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The four workloads of a fault run, side by side against one cluster: acknowledged inserts
 * (2 clients), bank transfers (2) with audits (1), registers (2) checked for linearizability, and
 * transfers across the two ranges of a split ledger (2) with audits across them (1).
 * Creates their tables, starts and stops their clients together, verifies them and hands their
 * outcomes to a report; the fault harnesses (the nemesis, the network tests) only inject faults.
 */
public final class WorkloadSet {

    private final List<Workload> workloads;
    private final RegisterWorkload registers;

    private WorkloadSet(List<Workload> workloads, RegisterWorkload registers) {
        this.workloads = workloads;
        this.registers = registers;
    }

    /**
     * The workloads, each client connecting with these driver options to every node of the
     * cluster, starting at a node of its own; {@code seed} fixes their keys and amounts.
     */
    public static WorkloadSet standard(ProcessCluster cluster, String clientOptions, RunClock clock, long seed) {
        RegisterWorkload registers = new RegisterWorkload(2, new ClientUrls(cluster, clientOptions, 1), clock, seed);
        return new WorkloadSet(List.of(
                new InsertWorkload(2, new ClientUrls(cluster, clientOptions, 0), clock),
                new BankWorkload(2, 1, new ClientUrls(cluster, clientOptions, 2), clock, seed),
                registers,
                // Last: its split leaves the other workloads' tables in the first data range.
                new LedgerWorkload(2, 1, new ClientUrls(cluster, clientOptions, 1), clock, seed)), registers);
    }

    public List<String> names() {
        return workloads.stream().map(Workload::name).toList();
    }

    public void createSchemas(Connection c) throws SQLException {
        for (Workload w : workloads) {
            w.createSchema(c);
        }
    }

    public void start() {
        workloads.forEach(w -> w.clients().forEach(WorkloadClient::start));
    }

    /** "insert x2, bank x3, register x2, ledger x3". */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (Workload w : workloads) {
            b.append(b.length() == 0 ? "" : ", ").append(w.name()).append(" x").append(w.clients().size());
        }
        return b.toString();
    }

    /** True once every workload has succeeded in an operation invoked at or after the moment (run clock). */
    public boolean allSucceededSince(long nanos) {
        for (Workload w : workloads) {
            if (w.clients().stream().noneMatch(c -> c.lastSuccessInvokedNanos() >= nanos)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Stops every client; a client that does not stop within {@code perClient} (its connection
     * closed under it after that) or that crashed is a problem.
     */
    public void stop(Duration perClient, List<String> problems) throws InterruptedException {
        workloads.forEach(w -> w.clients().forEach(WorkloadClient::requestStop));
        for (Workload w : workloads) {
            for (WorkloadClient c : w.clients()) {
                try {
                    c.join(perClient);
                } catch (IllegalStateException e) {
                    problems.add(e.getMessage());
                }
                if (c.crash() != null) {
                    problems.add(c.workload + " client " + c.client + " crashed: " + c.crash());
                    c.crash().printStackTrace(System.out);
                }
            }
        }
    }

    /**
     * Every workload's anomalies, once the clients stopped. One workload's check failing is a
     * problem and does not hide the others'.
     */
    public List<Anomaly> verify(Connection c, List<String> problems) {
        List<Anomaly> anomalies = new ArrayList<>();
        for (Workload w : workloads) {
            try {
                anomalies.addAll(w.verify(c));
            } catch (SQLException | RuntimeException e) {
                problems.add(w.name() + ": could not verify: " + e);
                e.printStackTrace(System.out);
            }
        }
        for (RegisterChecker.Verdict v : registers.inconclusive()) {
            System.out.println("register key " + v.key() + ": linearizability inconclusive: " + v.explanation());
        }
        return anomalies;
    }

    /** Every operation of every client, by workload; complete once the clients stopped. */
    public Map<String, List<Outcome>> outcomes() {
        Map<String, List<Outcome>> outcomes = new LinkedHashMap<>();
        for (Workload w : workloads) {
            List<Outcome> all = new ArrayList<>();
            w.clients().forEach(c -> all.addAll(c.outcomes));
            outcomes.put(w.name(), all);
        }
        return outcomes;
    }

    /** One line per workload on what was checked and found, after {@link #verify}. */
    public List<String> verdicts() {
        return workloads.stream().map(w -> w.name() + ": " + w.verdict()).toList();
    }

    /** The operations behind the anomalies, after {@link #verify}. */
    public List<String> evidence() {
        return workloads.stream().flatMap(w -> w.evidence().stream()).toList();
    }

    /**
     * Polls every node's own replica ({@code consistency=stale}) until all hold the same rows of
     * the workloads' tables: after the last write every replica must apply the same log. Returns
     * what was found; replicas that still differ at the deadline are a problem.
     */
    public static String awaitEqualReplicas(ProcessCluster cluster, Duration within, List<String> problems)
            throws InterruptedException {
        String query = "SELECT (SELECT COUNT(*) FROM INSERTS), (SELECT SUM(ID) FROM INSERTS), "
                + "(SELECT SUM(ROW_ID) FROM INSERTS), (SELECT SUM(BALANCE * (ID + 1)) FROM ACCOUNTS), "
                + "(SELECT SUM(V * (K + 1)) FROM REGISTERS), (SELECT SUM(BALANCE * (ID + 1)) FROM LEDGER)";
        long deadline = System.nanoTime() + within.toNanos();
        Map<Long, String> digests = new TreeMap<>();
        long first = cluster.nodeIds().get(0);
        while (true) {
            digests.clear();
            for (long node : cluster.nodeIds()) {
                try (Connection c = DriverManager.getConnection(cluster.nodeUrl(node,
                        "consistency=stale&socketTimeout=5000&failoverTimeout=2000"), "sa", "");
                     Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
                    rs.next();
                    digests.put(node, rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3) + "/"
                            + rs.getString(4) + "/" + rs.getString(5) + "/" + rs.getString(6));
                } catch (SQLException e) {
                    digests.put(node, "error " + e.getSQLState() + ": " + e.getMessage());
                }
            }
            if (digests.values().stream().distinct().count() == 1 && !digests.get(first).startsWith("error")) {
                return "the " + digests.size() + " replicas hold the same rows (count/sum of inserted ids/sum of row ids/"
                        + "weighted balances/weighted registers/weighted ledger: " + digests.get(first) + ")";
            }
            if (System.nanoTime() > deadline) {
                problems.add("replicas differ " + within.toSeconds() + " s after the run: " + digests);
                return "replicas DIFFER: " + digests;
            }
            Thread.sleep(200);   // the poll interval: replicas apply on their own time
        }
    }
}
