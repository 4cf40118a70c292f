package io.flotilla.sql.network;

import io.flotilla.sql.nemesis.Anomaly;
import io.flotilla.sql.nemesis.ClusterView;
import io.flotilla.sql.nemesis.LeaderMonitor;
import io.flotilla.sql.nemesis.NemesisReport;
import io.flotilla.sql.nemesis.Outcome;
import io.flotilla.sql.nemesis.Phase;
import io.flotilla.sql.nemesis.RunClock;
import io.flotilla.sql.nemesis.WorkloadSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Runs one scenario: a fresh cluster on the network hosts, the nemesis's three workloads against
 * it, a baseline, then the scenario's cut {@code cuts} times (each after the cluster settled, each
 * followed by the workloads' recovery), then the checks. Keeps the node logs, every operation and
 * the leadership changes in the scenario's log directory.
 */
final class ScenarioRunner {

    /** Load without faults before the first cut, once every workload succeeded once. */
    private static final Duration BASELINE = Duration.ofSeconds(3);
    /**
     * Load without faults after every workload succeeded again following a heal: the recovery's
     * tail, so that each cut's phase shows the cluster back at work in the timeline.
     */
    private static final Duration AFTER_RECOVERY = Duration.ofSeconds(2);
    private static final Duration RECOVERY_DEADLINE = Duration.ofSeconds(60);
    private static final Duration SETTLE_DEADLINE = Duration.ofSeconds(60);
    private static final long SETTLED_LAG_ENTRIES = 100;
    private static final Duration CONVERGENCE_DEADLINE = Duration.ofSeconds(60);
    /** A client blocked on a silent link is released by closing its connection after this. */
    private static final Duration CLIENT_STOP_DEADLINE = Duration.ofSeconds(30);
    /** Probes and checks, not the clients under test: they may use a network timeout. */
    private static final String CHECK_OPTIONS = "connectTimeout=1000&socketTimeout=30000&failoverTimeout=60000";
    private static final long POLL_MILLIS = 100;

    private final NetworkHosts hosts;
    private final PacketFilter filter;
    private final Path nodeJar;
    private final String clientOptions;

    ScenarioRunner(NetworkHosts hosts, PacketFilter filter, Path nodeJar, String clientOptions) {
        this.hosts = hosts;
        this.filter = filter;
        this.nodeJar = nodeJar;
        this.clientOptions = clientOptions;
    }

    ScenarioRun run(NetworkNemesis.Fault fault, int cuts, long seed, Path logs, RunClock clock) throws Exception {
        emptyDirectory(logs);
        String loadBefore = loadAverage();
        List<String> problems = new ArrayList<>();
        List<Anomaly> anomalies = new ArrayList<>();
        List<String> checks = new ArrayList<>();
        clock.log(fault.label + ": " + cuts + " cuts, seed " + seed + " (-Dflotilla.network.seed=" + seed
                + " repeats its choices)");
        try (NetworkCluster cluster = NetworkCluster.start(hosts, nodeJar, logs, clock, this::faultActive);
             LeaderMonitor leadership = new LeaderMonitor(cluster, clock, logs)) {
            ClusterView view = new ClusterView(cluster);
            if (view.awaitLeader(cluster.nodeIds(), SETTLE_DEADLINE).isEmpty()) {
                throw new IllegalStateException("no leader of the data range " + SETTLE_DEADLINE.toSeconds()
                        + " s after the nodes started; last seen: " + view.lastObservation());
            }
            WorkloadSet workloads = WorkloadSet.standard(cluster, clientOptions, clock, seed);
            try (Connection c = DriverManager.getConnection(cluster.url(0, CHECK_OPTIONS), "sa", "")) {
                workloads.createSchemas(c);
            }
            NetworkNemesis nemesis = new NetworkNemesis(hosts, filter, view, clock, new Random(seed));
            long started = clock.now();
            workloads.start();
            clock.log("workloads started: " + workloads.describe());
            List<NetworkNemesis.Cut> done = new ArrayList<>();
            List<Phase> phases = new ArrayList<>();
            Phase open = new Phase(0, "none (baseline)", "", started, -1, -1);
            try {
                if (!awaitRecovery(workloads, started, clock)) {
                    throw new IllegalStateException("the workloads did not all succeed once within "
                            + RECOVERY_DEADLINE.toSeconds() + " s of starting, before any cut");
                }
                Thread.sleep(BASELINE.toMillis());   // the baseline's length: load without faults
                for (int i = 1; i <= cuts; i++) {
                    if (!view.awaitCaughtUp(SETTLED_LAG_ENTRIES, SETTLE_DEADLINE)) {
                        problems.add("before cut " + i + ": the cluster did not settle (every node within "
                                + SETTLED_LAG_ENTRIES + " entries of a leader) in " + SETTLE_DEADLINE.toSeconds()
                                + " s; last seen: " + view.lastObservation());
                    }
                    OptionalLong leader = view.leaderAmong(cluster.nodeIds());
                    if (leader.isEmpty()) {
                        problems.add("before cut " + i + ": no leader; last seen: " + view.lastObservation());
                        break;
                    }
                    clock.log("cut " + i + " of " + cuts + ": " + fault.label + " (leader is node " + leader.getAsLong() + ")");
                    NetworkNemesis.Cut cut = nemesis.inject(fault, leader.getAsLong());
                    phases.add(close(open, cut.startNanos()));
                    open = new Phase(i, fault.label, cut.target(), cut.startNanos(), cut.healedNanos(), -1);
                    done.add(cut);
                    clock.log("cut " + i + " healed after " + RunClock.seconds(cut.healedNanos() - cut.startNanos()));
                    if (awaitRecovery(workloads, cut.healedNanos(), clock)) {
                        Thread.sleep(AFTER_RECOVERY.toMillis());   // the recovery's tail: load without faults
                    } else {
                        problems.add("after cut " + i + ": not every workload succeeded within "
                                + RECOVERY_DEADLINE.toSeconds() + " s of the heal");
                    }
                }
            } catch (Exception | AssertionError e) {
                // The cuts end here, but the workloads are still checked: what ran must be correct.
                problems.add("the cuts stopped early: " + e);
                e.printStackTrace(System.out);
            } finally {
                phases.add(close(open, clock.now()));
                workloads.stop(CLIENT_STOP_DEADLINE, problems);
            }
            clock.log("workloads stopped; verifying");

            if (view.awaitLeader(cluster.nodeIds(), SETTLE_DEADLINE).isEmpty()) {
                problems.add("no leader after the run; last seen: " + view.lastObservation());
            }
            try (Connection c = DriverManager.getConnection(cluster.url(0, CHECK_OPTIONS), "sa", "")) {
                anomalies.addAll(workloads.verify(c, problems));
            } catch (SQLException e) {
                problems.add("could not connect to read the final state: " + e.getSQLState() + " " + e);
            }
            checks.addAll(workloads.verdicts());
            checks.add("replicas: " + WorkloadSet.awaitEqualReplicas(cluster, CONVERGENCE_DEADLINE, problems));
            problems.addAll(view.failedReplicas());
            leadership.stop();
            workloads.evidence().forEach(e -> checks.add("evidence: " + e));

            Map<String, List<Outcome>> outcomes = workloads.outcomes();
            NemesisReport report = new NemesisReport(phases, workloads.names(), outcomes, anomalies);
            keep(logs, outcomes, leadership);
            String machine = Runtime.getRuntime().availableProcessors() + " CPUs; load average (1, 5, 15 min) "
                    + loadBefore + " at the start, " + loadAverage() + " at the end";
            return new ScenarioRun(fault, seed, done, phases, workloads.names(), outcomes, anomalies, leadership.changes(),
                    problems, checks,
                    report.timeline(), report.errors(), machine, logs);
        }
    }

    /** Whether a cut is in place: the leadership monitor then takes no thread dumps of silent nodes. */
    private boolean faultActive() {
        return hosts.anyUnplugged() || filter != null && filter.active();
    }

    /** Polls until every workload succeeded at or after the moment, or the deadline passed. */
    private static boolean awaitRecovery(WorkloadSet workloads, long sinceNanos, RunClock clock) throws InterruptedException {
        long deadline = clock.now() + RECOVERY_DEADLINE.toNanos();
        while (!workloads.allSucceededSince(sinceNanos)) {
            if (clock.now() > deadline) {
                return false;
            }
            Thread.sleep(POLL_MILLIS);
        }
        clock.log("every workload succeeded again " + RunClock.seconds(clock.now() - sinceNanos) + " after "
                + RunClock.seconds(sinceNanos));
        return true;
    }

    private static Phase close(Phase open, long endNanos) {
        return new Phase(open.number(), open.fault(), open.target(), open.startNanos(), open.healedNanos(), endNanos);
    }

    /** Every operation, and the leadership changes, next to the node logs, for digging. */
    private static void keep(Path logs, Map<String, List<Outcome>> outcomes, LeaderMonitor leadership) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(Outcome.CSV_HEADER);
        outcomes.values().stream().flatMap(List::stream).sorted(Comparator.comparingLong(Outcome::invokedNanos))
                .forEach(o -> lines.add(o.csv()));
        Files.write(logs.resolve("outcomes.csv"), lines);
        Files.writeString(logs.resolve("leadership.md"), leadership.table());
    }

    /** The 1, 5 and 15 minute load averages from /proc/loadavg, or "unknown". */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static void emptyDirectory(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    if (!p.equals(dir)) {
                        Files.delete(p);
                    }
                }
            }
        }
        Files.createDirectories(dir);
    }
}
