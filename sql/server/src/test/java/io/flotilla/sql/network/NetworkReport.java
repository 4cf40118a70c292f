package io.flotilla.sql.network;

import io.flotilla.sql.nemesis.Anomaly;
import io.flotilla.sql.nemesis.RunClock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The network tests' Markdown report: one summary table over every scenario run so far (fault,
 * workload, operations, anomalies, longest gap, time to the first write after the cut, target),
 * then a section per scenario with its cuts, checks, problems, SQLStates and per-second timeline.
 * Rewritten after every scenario, so that a run cut short still leaves what it measured.
 */
final class NetworkReport {

    /** One scenario's run, its figures, and each workload's miss of the target (null where met). */
    private record Entry(ScenarioRun run, CutFigures figures, List<Optional<String>> misses) {
    }

    private final Instant started = Instant.now();
    private final int cuts;
    private final String clientOptions;
    private final AvailabilityTargets targets;
    private final List<Entry> entries = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();

    NetworkReport(int cuts, String clientOptions, AvailabilityTargets targets) {
        this.cuts = cuts;
        this.clientOptions = clientOptions;
        this.targets = targets;
    }

    /** Adds the run; returns each workload's miss of the availability target, if any. */
    synchronized List<String> add(ScenarioRun run) {
        CutFigures figures = new CutFigures(run);
        List<Optional<String>> misses = run.workloads().stream().map(w -> targets.miss(run, figures, w)).toList();
        entries.add(new Entry(run, figures, misses));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < misses.size(); i++) {
            String workload = run.workloads().get(i);
            misses.get(i).ifPresent(m -> out.add(workload + ": " + m));
        }
        return out;
    }

    synchronized void skipped(NetworkNemesis.Fault fault, String why) {
        skipped.add(fault.label + ": " + why);
    }

    synchronized String summary() {
        StringBuilder b = new StringBuilder();
        b.append("| fault | workload | ops ok | anomalies | longest gap | first write after the cut: median | worst "
                + "| slowest call during a cut | target |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (Entry e : entries) {
            for (int i = 0; i < e.run().workloads().size(); i++) {
                String w = e.run().workloads().get(i);
                List<Long> firsts = e.figures().firstWrites(w);
                b.append(String.format("| %s | %s | %d | %d | %s | %s | %s | %s | %s |%n", e.run().fault().label, w,
                        e.figures().operationsOk(w), e.figures().anomalies(w), CutFigures.seconds(e.figures().longestGap(w)),
                        CutFigures.seconds(CutFigures.median(firsts)), CutFigures.seconds(CutFigures.worst(firsts)),
                        CutFigures.seconds(e.figures().slowestCall(w)), e.misses().get(i).isPresent() ? "✗ missed" : "✓ met"));
            }
        }
        return b.toString();
    }

    synchronized String render() {
        StringBuilder b = new StringBuilder("# Network tests: cuts between hosts (issue 18)\n\n");
        b.append("Run started ").append(started).append("; ").append(cuts).append(" cuts per scenario, each ")
                .append(NetworkNemesis.CUT_LENGTH.toSeconds()).append(" s; client driver options `").append(clientOptions)
                .append("` (no socketTimeout).\n\n");
        b.append("Targets: ").append(targets.describe(NetworkNemesis.Fault.LEADER_CUT_OFF)).append(" wherever a majority ")
                .append("stays reachable; for the client with the minority, ")
                .append(targets.describe(NetworkNemesis.Fault.CLIENT_WITH_MINORITY)).append(". Gaps and first writes ")
                .append("count acknowledged writes (inserts, transfers, register writes and compare-and-sets).\n\n");
        b.append(summary()).append('\n');
        if (!skipped.isEmpty()) {
            b.append("Skipped:\n\n");
            skipped.forEach(s -> b.append("- ").append(s).append('\n'));
            b.append('\n');
        }
        for (Entry e : entries) {
            b.append(section(e));
        }
        return b.toString();
    }

    private String section(Entry e) {
        ScenarioRun run = e.run();
        StringBuilder b = new StringBuilder("## ").append(run.fault().label).append("\n\n");
        b.append("Seed ").append(run.seed()).append("; machine: ").append(run.machine()).append("; logs: ")
                .append(run.logs()).append("\n\n");
        b.append("| cut | target | at | healed after | new leader seen after |");
        run.workloads().forEach(w -> b.append(" first ").append(w).append(" write |"));
        run.workloads().forEach(w -> b.append(" longest ").append(w).append(" gap |"));
        b.append("\n|---:|---|---:|---:|---:|").append("---:|".repeat(2 * run.workloads().size())).append('\n');
        for (int i = 0; i < run.cuts().size(); i++) {
            NetworkNemesis.Cut c = run.cuts().get(i);
            b.append("| ").append(i + 1).append(" | ").append(c.target()).append(" | ").append(RunClock.seconds(c.startNanos()))
                    .append(" | ").append(RunClock.seconds(c.healedNanos() - c.startNanos())).append(" | ")
                    .append(CutFigures.seconds(e.figures().newLeaderAfter(i))).append(" |");
            for (String w : run.workloads()) {
                b.append(' ').append(CutFigures.seconds(e.figures().firstWriteAfter(i, w))).append(" |");
            }
            for (String w : run.workloads()) {
                b.append(' ').append(CutFigures.seconds(e.figures().longestGap(i, w))).append(" |");
            }
            b.append('\n');
        }
        b.append("\n\"New leader seen after\": the first time a node reported itself leader anew after the cut, as ")
                .append("the client host saw it (polled every 200 ms; nodes cut from the client are not seen).\n");
        b.append("\nTarget (").append(targets.describe(run.fault())).append("):\n\n");
        for (int i = 0; i < run.workloads().size(); i++) {
            b.append("- ").append(run.workloads().get(i)).append(": ")
                    .append(e.misses().get(i).map(m -> "MISSED: " + m).orElse("met")).append('\n');
        }
        b.append("\nChecks:\n\n");
        run.checks().forEach(c -> b.append("- ").append(c).append('\n'));
        b.append("\nAnomalies: ").append(run.anomalies().isEmpty() ? "none" : run.anomalies().size()).append('\n');
        for (Anomaly a : run.anomalies().stream().limit(50).toList()) {
            b.append("- ").append(a.workload()).append(" at ").append(a.atNanos() < 0 ? "end" : RunClock.seconds(a.atNanos()))
                    .append(": ").append(a.description()).append('\n');
        }
        b.append("\nOther problems: ").append(run.problems().isEmpty() ? "none" : run.problems().size()).append('\n');
        run.problems().forEach(p -> b.append("- ").append(p).append('\n'));
        b.append("\nSQLStates of the operations that did not succeed:\n\n").append(run.errors()).append('\n');
        b.append("Timeline (operations completed in each second, ok/failed/unknown):\n\n").append(run.timeline()).append('\n');
        return b.toString();
    }

    synchronized void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, render());
    }
}
