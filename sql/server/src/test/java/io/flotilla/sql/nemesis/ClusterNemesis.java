package io.flotilla.sql.nemesis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The nemesis: a real 3-process cluster, run through cluster-scripts, while JDBC clients run three
 * workloads (acknowledged inserts, bank transfers with audits, registers checked for
 * linearizability) and faults are injected one after another: kill -9 of the data range's leader,
 * of a random node and of every node, each restarted; SIGSTOP of the leader for longer than its
 * lease and an election; the leader cut off from the other nodes' Raft traffic (each node reaches
 * the others' Raft ports through TCP proxies of the test, {@link RaftLinkProxy}; client ports are
 * not cut, so clients and forwarding still reach the isolated node). Availability is measured per
 * second, not assumed.
 *
 * <p>It fails on any anomaly, and when, from two seconds after a fault healed (the killed node
 * restarted and ready, SIGCONT sent, the links restored) until the next fault, a workload goes a
 * whole second without a successful operation. It prints a Markdown report: a summary by fault
 * and workload, the checks, the SQLStates, the anomalies with the operations behind them, a
 * per-second timeline and the leadership changes each node reported.
 *
 * <p>Not part of the default build (the class name matches none of surefire's default patterns);
 * the {@code nemesis} profile runs it, on the jars of an earlier build:
 * <pre>
 * mvn -B -ntp -DskipTests install
 * mvn -B -ntp -pl sql/server verify -Pnemesis
 * </pre>
 * {@code -Dflotilla.nemesis.seed=N} repeats the random choices (the victim of the random kill,
 * the workloads' keys and amounts); {@code -Dflotilla.nemesis.rounds=N} runs the fault sequence
 * N times (default 3); {@code -Dflotilla.nemesis.faults=KILL_ALL,PAUSE_LEADER} injects only those faults. {@code target/nemesis-logs} keeps the last run's node logs, GC logs,
 * every operation ({@code outcomes.csv}), the leadership changes, and thread dumps of nodes that
 * stopped answering without a fault.
 */
class ClusterNemesis {

    /**
     * The clients' driver options. No network timeout: a node that stops answering (paused, cut
     * off) is given up on by the driver's link liveness (keep-alives, the node's link timeout),
     * which is what this run measures.
     */
    private static final String CLIENT_OPTIONS = "connectTimeout=1000&failoverTimeout=20000";
    private static final Duration BASELINE = Duration.ofSeconds(8);
    /** How long the run watches after a fault healed before the next one: the grace, then a window to measure. */
    private static final Duration OBSERVE_AFTER_HEAL = Duration.ofSeconds(8);
    private static final Duration SETTLE_DEADLINE = Duration.ofSeconds(60);
    private static final long SETTLED_LAG_ENTRIES = 100;
    private static final Duration CONVERGENCE_DEADLINE = Duration.ofSeconds(60);

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void workloadsStayCorrectAndAvailableThroughCrashesPausesAndPartitions() throws Exception {
        loadEveryClassOfThisPackage();
        long seed = Long.getLong("flotilla.nemesis.seed", new SecureRandom().nextLong());
        int rounds = Integer.getInteger("flotilla.nemesis.rounds", 3);
        RunClock clock = new RunClock();
        clock.log("seed " + seed + " (-Dflotilla.nemesis.seed=" + seed + " repeats its choices), " + rounds + " rounds");
        String loadBefore = loadAverage();
        Path logArchive = Path.of("target", "nemesis-logs").toAbsolutePath();
        emptyDirectory(logArchive);   // the last run's logs only: GC logs and thread dumps are named by pid and time
        List<String> problems = new ArrayList<>();
        List<Anomaly> anomalies = new ArrayList<>();
        List<String> violations;

        try (ScriptedCluster cluster = ScriptedCluster.start(repositoryRoot(), logArchive, clock);
             LeaderMonitor leadership = new LeaderMonitor(cluster, clock, logArchive)) {
            clock.log("cluster up in " + cluster.directory());
            ClusterView view = new ClusterView(cluster);
            WorkloadSet workloads = WorkloadSet.standard(cluster, CLIENT_OPTIONS, clock, seed);
            try (Connection c = DriverManager.getConnection(cluster.url(0, CLIENT_OPTIONS), "sa", "")) {
                workloads.createSchemas(c);
            }

            Nemesis nemesis = new Nemesis(cluster, view, clock, new Random(seed));
            workloads.start();
            clock.log("workloads started: " + workloads.describe());
            List<Phase> phases;
            try {
                phases = runFaults(view, nemesis, clock, rounds, problems);
            } finally {
                // A call in flight finishes within the failover timeout (20 s) at worst.
                workloads.stop(Duration.ofSeconds(30), problems);
                problems.addAll(nemesis.problems);
            }
            clock.log("workloads stopped; verifying");

            OptionalLong leader = view.awaitLeader(ScriptedCluster.NODE_IDS, SETTLE_DEADLINE);
            if (leader.isEmpty()) {
                problems.add("no leader after the run; last seen: " + view.lastObservation());
            }
            try (Connection c = DriverManager.getConnection(cluster.url(0, "failoverTimeout=60000"), "sa", "")) {
                anomalies.addAll(workloads.verify(c, problems));
            } catch (SQLException e) {
                problems.add("could not connect to read the final state: " + e.getSQLState() + " " + e);
            }
            String convergence = WorkloadSet.awaitEqualReplicas(cluster, CONVERGENCE_DEADLINE, problems);
            problems.addAll(view.failedReplicas());
            leadership.stop();

            Map<String, List<Outcome>> outcomes = workloads.outcomes();
            NemesisReport report = new NemesisReport(phases, workloads.names(), outcomes, anomalies);
            violations = report.availabilityViolations();
            keep(logArchive, outcomes, leadership);
            List<String> gcPauses = cluster.longGcPauses(Duration.ofMillis(200));
            String machine = Runtime.getRuntime().availableProcessors() + " CPUs; load average (1, 5, 15 min) "
                    + loadBefore + " at the start, " + loadAverage() + " at the end";
            System.out.println(render(seed, rounds, clock, machine, workloads, convergence, report, leadership, gcPauses,
                    anomalies, violations, problems, logArchive));
        }

        if (!anomalies.isEmpty() || !violations.isEmpty() || !problems.isEmpty()) {
            fail("the nemesis run found " + anomalies.size() + " anomalies, " + violations.size()
                    + " availability violations and " + problems.size() + " other problems (report above; node logs in "
                    + logArchive + "):\n" + String.join("\n", anomalies.stream().limit(20).map(Anomaly::toString).toList())
                    + "\n" + String.join("\n", violations) + "\n" + String.join("\n", problems));
        }
    }

    /**
     * The schedule: a baseline without faults, then each fault in turn, {@code rounds} times. Before
     * each fault the cluster must have settled (every node close behind a leader); after it healed
     * the run watches for {@link #OBSERVE_AFTER_HEAL}. A failure to inject a fault ends the schedule
     * (noted as a problem) but not the run: the workloads are still checked.
     */
    private static List<Phase> runFaults(ClusterView view, Nemesis nemesis, RunClock clock, int rounds,
                                         List<String> problems) throws InterruptedException {
        List<Phase> phases = new ArrayList<>();
        Phase open = new Phase(0, "none (baseline)", "", clock.now(), -1, -1);
        try {
            Thread.sleep(BASELINE.toMillis());   // the baseline's length: no fault, just load
            for (int round = 0; round < rounds; round++) {
                for (Nemesis.Fault fault : faults()) {
                    if (!view.awaitCaughtUp(SETTLED_LAG_ENTRIES, SETTLE_DEADLINE)) {
                        problems.add("before " + fault.label + ": the cluster did not settle (every node within "
                                + SETTLED_LAG_ENTRIES + " entries of a leader) in " + SETTLE_DEADLINE.toSeconds()
                                + " s; last seen: " + view.lastObservation());
                    }
                    clock.log("fault #" + (phases.size() + 1) + ": " + fault.label);
                    Nemesis.Injection injection = nemesis.inject(fault);
                    phases.add(close(open, injection.startNanos()));
                    open = new Phase(phases.size(), fault.label, injection.target(), injection.startNanos(),
                            injection.healedNanos(), -1);
                    clock.log("fault #" + open.number() + " healed after "
                            + RunClock.seconds(injection.healedNanos() - injection.startNanos()));
                    long watchUntil = injection.healedNanos() + OBSERVE_AFTER_HEAL.toNanos();
                    // Watching the cluster recover: a fixed window, which the availability rule measures.
                    Thread.sleep(Math.max(0, (watchUntil - clock.now()) / 1_000_000));
                }
            }
        } catch (Exception | AssertionError e) {
            problems.add("the fault schedule stopped early: " + e);
            e.printStackTrace(System.out);
        } finally {
            phases.add(close(open, clock.now()));
        }
        return phases;
    }

    /** The faults to inject each round: all of them, or those {@code -Dflotilla.nemesis.faults=KILL_ALL,...} names. */
    private static List<Nemesis.Fault> faults() {
        String named = System.getProperty("flotilla.nemesis.faults", "");
        if (named.isBlank()) {
            return List.of(Nemesis.Fault.values());
        }
        return Arrays.stream(named.split(",")).map(String::trim).map(Nemesis.Fault::valueOf).toList();
    }

    /** Keeps every operation's outcome and the leadership changes next to the node logs, for digging. */
    private static void keep(Path logArchive, Map<String, List<Outcome>> outcomes, LeaderMonitor leadership)
            throws IOException {
        Files.createDirectories(logArchive);
        List<String> lines = new ArrayList<>();
        lines.add(Outcome.CSV_HEADER);
        outcomes.values().stream().flatMap(List::stream)
                .sorted(Comparator.comparingLong(Outcome::invokedNanos))
                .forEach(o -> lines.add(o.csv()));
        Files.write(logArchive.resolve("outcomes.csv"), lines);
        Files.writeString(logArchive.resolve("leadership.md"), leadership.table());
    }

    private static Phase close(Phase open, long endNanos) {
        return new Phase(open.number(), open.fault(), open.target(), open.startNanos(), open.healedNanos(), endNanos);
    }

    private static String render(long seed, int rounds, RunClock clock, String machine, WorkloadSet workloads,
                                 String convergence,
                                 NemesisReport report, LeaderMonitor leadership, List<String> gcPauses,
                                 List<Anomaly> anomalies, List<String> violations, List<String> problems,
                                 Path logArchive) {
        StringBuilder b = new StringBuilder();
        b.append("\n## Nemesis run (seed ").append(seed).append(", ").append(rounds).append(" rounds; t = 0 s at ")
                .append(clock.origin()).append(")\n\n");
        // Availability depends on the machine: other builds on the same cores starve the nodes.
        b.append("Machine: ").append(machine).append("\n\n");
        b.append("Availability rule: from ").append(NemesisReport.GRACE.toSeconds())
                .append(" s after a fault healed until the next fault, no workload goes ")
                .append(NemesisReport.MAX_GAP.toSeconds()).append(" s without a successful operation.\n\n");
        b.append(report.summary()).append('\n');
        b.append("Checks:\n\n");
        workloads.verdicts().forEach(v -> b.append("- ").append(v).append('\n'));
        b.append("- replicas: ").append(convergence).append('\n');
        b.append("\nSQLStates of the operations that did not succeed:\n\n").append(report.errors()).append('\n');
        b.append("Anomalies: ").append(anomalies.isEmpty() ? "none" : anomalies.size()).append('\n');
        anomalies.stream().limit(50).forEach(a -> b.append("- ").append(a.workload()).append(" at ")
                .append(a.atNanos() < 0 ? "end" : RunClock.seconds(a.atNanos())).append(": ").append(a.description())
                .append('\n'));
        b.append("Availability violations: ").append(violations.isEmpty() ? "none" : violations.size()).append('\n');
        violations.forEach(v -> b.append("- ").append(v).append('\n'));
        b.append("Other problems: ").append(problems.isEmpty() ? "none" : problems.size()).append('\n');
        problems.forEach(p -> b.append("- ").append(p).append('\n'));
        List<String> evidence = workloads.evidence();
        if (!evidence.isEmpty()) {
            b.append("\nEvidence:\n\n```\n");
            evidence.forEach(e -> b.append(e).append('\n'));
            b.append("```\n");
        }
        b.append("\nNode GC pauses over 200 ms: ").append(gcPauses.isEmpty() ? "none" : "").append('\n');
        gcPauses.forEach(p -> b.append("- ").append(p).append('\n'));
        b.append("\nTimeline (operations completed in each second, ok/failed/unknown):\n\n").append(report.timeline());
        b.append("\nLeadership of the data range, each node's own view, polled every 200 ms (changes only):\n\n")
                .append(leadership.table());
        b.append("\nEvery operation: ").append(logArchive.resolve("outcomes.csv")).append("; node logs: ")
                .append(logArchive).append('\n');
        return b.toString();
    }

    /**
     * Loads every class of this package now. The run takes minutes, and another build in the same
     * working tree may recompile {@code target/test-classes} meanwhile (deleting the class files
     * first): a class first needed at the end, such as the report's, would then be missing.
     */
    private static void loadEveryClassOfThisPackage() throws Exception {
        Path here = Path.of(ClusterNemesis.class.getResource("ClusterNemesis.class").toURI()).getParent();
        String pkg = ClusterNemesis.class.getPackageName();
        try (var files = Files.list(here)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String simple = f.getFileName().toString();
                Class.forName(pkg + "." + simple.substring(0, simple.length() - ".class".length()), false,
                        ClusterNemesis.class.getClassLoader());
            }
        }
    }

    /** The 1, 5 and 15 minute load averages from /proc/loadavg, or "unknown". */
    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static void emptyDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
    }

    /** The repository root: the nearest directory above the working directory that has cluster-scripts/start. */
    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("cluster-scripts").resolve("start"))) {
                return p;
            }
        }
        throw new IllegalStateException("no cluster-scripts/start above " + Path.of("").toAbsolutePath());
    }
}
