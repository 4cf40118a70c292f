package io.flotilla.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Prints the figures of each run as it ends, and the table with the ratio lines at the end. */
final class LoadReport {

    private static final String HEADER = String.format("%-13s %-12s %12s %10s %10s %10s %10s  %s",
            "workload", "target", "ops/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "errors");

    private final List<RunResult> results = new ArrayList<>();

    void add(RunResult r) {
        results.add(r);
        System.out.println("  " + line(r));
    }

    /** True when every run finished without an error, a stopped or a hung client. */
    boolean clean() {
        return results.stream().allMatch(RunResult::clean);
    }

    /** The table: per workload, each system under test (one per range count), the baseline, the ratios. */
    void print(List<Target> systems, Target baseline) {
        System.out.println();
        System.out.println(HEADER);
        for (Workload w : Workload.values()) {
            Optional<RunResult> b = find(baseline, w);
            List<RunResult> s = systems.stream().map(t -> find(t, w)).flatMap(Optional::stream).toList();
            s.forEach(r -> System.out.println(line(r)));
            b.ifPresent(r -> System.out.println(line(r)));
            if (b.isPresent()) {
                s.forEach(r -> System.out.println(ratio(r, b.get())));
            }
        }
    }

    private Optional<RunResult> find(Target t, Workload w) {
        return results.stream().filter(r -> r.target().equals(t.name()) && r.workload() == w).findFirst();
    }

    static String line(RunResult r) {
        return String.format("%-13s %-12s %,12.0f %10.3f %10.3f %10.3f %10.3f  %s", r.workload().label, r.target(),
                r.opsPerSecond(), r.millis(0.5), r.millis(0.99), r.millis(0.999), r.latencies().maxNanos() / 1e6,
                errors(r));
    }

    private static String errors(RunResult r) {
        StringBuilder b = new StringBuilder().append(r.errors());
        if (r.warmupErrors() > 0) {
            b.append(" (+").append(r.warmupErrors()).append(" in warmup)");
        }
        if (r.clientsStopped() > 0) {
            b.append(", ").append(r.clientsStopped()).append(" clients stopped");
        }
        if (r.clientsHung() > 0) {
            b.append(", ").append(r.clientsHung()).append(" clients hung, left out");
        }
        return b.toString();
    }

    /** Throughput as a share of the baseline's; latencies as multiples of the baseline's. */
    private static String ratio(RunResult s, RunResult b) {
        return String.format("%-13s %-12s %11sx %9sx %9sx", "", s.target() + "/" + b.target(),
                times(s.opsPerSecond(), b.opsPerSecond()), times(s.millis(0.5), b.millis(0.5)),
                times(s.millis(0.99), b.millis(0.99)));
    }

    private static String times(double a, double b) {
        return b == 0 ? "-" : String.format("%.2f", a / b);
    }
}
