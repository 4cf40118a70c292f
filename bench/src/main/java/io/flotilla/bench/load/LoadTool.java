package io.flotilla.bench.load;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Closed-loop load on a system under test (normally a Flotilla cluster through its JDBC driver)
 * and, in the same invocation, on H2's own TCP server as the single-node baseline: insert, point
 * select and a read/update mix, each client on its own connection. Prints throughput, latency
 * percentiles and errors per workload and target, and the system/baseline ratios.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.flotilla.bench.load.LoadTool --url
 * jdbc:flotilla://127.0.0.1:5101,127.0.0.1:5102,127.0.0.1:5103}
 */
public final class LoadTool {

    private LoadTool() {
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                System.err.println("error: " + e.getMessage());
            }
            System.err.println(LoadOptions.USAGE);
            System.exit(e.getMessage().isEmpty() ? 0 : 2);
            return;
        }
        printHeader(args, options);
        boolean clean;
        try (H2Baseline h2 = H2Baseline.start()) {
            Target system = Target.systemUnderTest(options);
            Target baseline = h2.target();
            System.out.printf("targets:  %s = %s%n          %s = %s (in this JVM)%n%n", system.name(), system.url(),
                    baseline.name(), baseline.url());
            LoadReport report = new LoadReport();
            boolean loaded = true;
            List<Target> systems = new ArrayList<>();
            for (int ranges : options.ranges()) {
                // Each range count under a name of its own, when the run compares several.
                Target split = options.ranges().equals(List.of(1)) ? system : system.named(system.name() + "/" + ranges + "r");
                systems.add(split);
                loaded &= load(split, options, report, ranges);
            }
            loaded &= load(baseline, options, report, 1);
            report.print(systems, baseline);
            clean = loaded && report.clean();
        }
        // Exit status 1 says the figures above come with errors; clients may still be stuck in a driver call.
        System.exit(clean ? 0 : 1);
    }

    private static void printHeader(String[] args, LoadOptions options) {
        System.out.println("command:  " + RunContext.commandLine(args));
        System.out.println("commit:   " + RunContext.commit());
        System.out.printf("java:     %s, %d cpus%n", Runtime.version(), Runtime.getRuntime().availableProcessors());
        System.out.printf("settings: %d clients, warmup %d s, measured %d s per workload, %,d preloaded rows, "
                        + "mixed read ratio %.2f, workloads %s%n", options.clients(), options.warmupSeconds(),
                options.seconds(), options.rows(), options.mixedReadRatio(),
                options.workloads().stream().map(w -> w.label).toList());
    }

    /**
     * Creates the table, preloads it, runs every workload and drops the table. The admin
     * connection stays open throughout, which also keeps an in-memory H2 database alive.
     * Returns false if the target could not be set up or cleaned up.
     */
    private static boolean load(Target target, LoadOptions options, LoadReport report, int ranges)
            throws InterruptedException {
        System.out.printf("%s: creating LOAD_KV%n", target.name());
        try (Connection admin = target.connect()) {
            LoadTable.create(admin);
            SQLException failure = null;
            try {
                preloadAndRun(admin, target, options, report, ranges);
            } catch (SQLException e) {
                failure = e;
            }
            try {
                LoadTable.drop(admin);
            } catch (SQLException e) {
                // The failure that stopped the runs matters more than the failed cleanup after it.
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
            if (failure != null) {
                throw failure;
            }
            return true;
        } catch (SQLException e) {
            System.out.printf("  ! %s: setup or cleanup failed: SQLState %s: %s%n", target.name(), e.getSQLState(),
                    e.getMessage());
            for (Throwable s : e.getSuppressed()) {
                System.out.printf("  ! %s: and then: %s%n", target.name(), s);
            }
            return false;
        }
    }

    private static void preloadAndRun(Connection admin, Target target, LoadOptions options, LoadReport report,
                                      int ranges) throws SQLException, InterruptedException {
        if (options.needsPreload()) {
            long start = System.nanoTime();
            LoadTable.preload(admin, options.rows());
            System.out.printf("%s: preloaded %,d rows in %.1f s%n", target.name(), options.rows(),
                    (System.nanoTime() - start) / 1e9);
        }
        if (ranges > 1) {
            long start = System.nanoTime();
            LoadTable.split(admin, options.rows(), ranges);
            System.out.printf("%s: split LOAD_KV into %d ranges in %.1f s%n", target.name(), ranges,
                    (System.nanoTime() - start) / 1e9);
        }
        for (Workload w : options.workloads()) {
            System.out.printf("%s: %s, %d clients, %d s warmup + %d s%n", target.name(), w.label,
                    options.clients(), options.warmupSeconds(), options.seconds());
            report.add(WorkloadRun.run(target, w, options));
        }
    }
}
