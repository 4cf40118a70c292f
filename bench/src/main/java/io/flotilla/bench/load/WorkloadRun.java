package io.flotilla.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs one workload on one target with all its clients at once, and merges what they measured. */
final class WorkloadRun {

    /** Time for every client to connect and prepare before the run starts without the late ones. */
    private static final long SETUP_TIMEOUT_SECONDS = 60;
    /**
     * How long after the end a client may still be inside its last operation: longer than the
     * Flotilla driver's default failover timeout (30 s), after which a stuck client is given up.
     */
    private static final long STRAGGLER_TIMEOUT_SECONDS = 60;

    private WorkloadRun() {
    }

    static RunResult run(Target target, Workload workload, LoadOptions options) throws InterruptedException {
        ErrorLog errors = new ErrorLog(target.name() + " " + workload.label);
        StartGate gate = new StartGate(options.clients());
        ExecutorService pool = Executors.newFixedThreadPool(options.clients(), r -> {
            Thread t = new Thread(r, "load-" + target.name() + "-" + workload.label);
            t.setDaemon(true); // a client stuck in a driver call must not keep the JVM alive
            return t;
        });
        try {
            List<Future<LoadClient.Result>> clients = new ArrayList<>();
            for (int c = 0; c < options.clients(); c++) {
                clients.add(pool.submit(new LoadClient(target, workload, options, c, gate, errors)));
            }
            if (!gate.open(options.warmupSeconds(), options.seconds(), SETUP_TIMEOUT_SECONDS)) {
                System.out.printf("  ! %s %s: not every client connected within %d s; starting without them%n",
                        target.name(), workload.label, SETUP_TIMEOUT_SECONDS);
            }
            long deadline = System.nanoTime()
                    + TimeUnit.SECONDS.toNanos(options.warmupSeconds() + options.seconds() + STRAGGLER_TIMEOUT_SECONDS);
            return merge(target, workload, options, clients, deadline);
        } finally {
            pool.shutdownNow();
        }
    }

    private static RunResult merge(Target target, Workload workload, LoadOptions options,
                                   List<Future<LoadClient.Result>> clients, long deadline) throws InterruptedException {
        LatencyHistogram all = new LatencyHistogram();
        long errors = 0;
        long warmupErrors = 0;
        int stopped = 0;
        int hung = 0;
        for (int c = 0; c < clients.size(); c++) {
            try {
                LoadClient.Result r = clients.get(c).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                all.add(r.latencies());
                errors += r.errors();
                warmupErrors += r.warmupErrors();
                if (r.stoppedBy() != null) {
                    stopped++;
                }
            } catch (TimeoutException e) {
                hung++;
                System.out.printf("  ! %s %s client %d: still inside an operation %d s after the end; left out%n",
                        target.name(), workload.label, c, STRAGGLER_TIMEOUT_SECONDS);
            } catch (ExecutionException e) {
                // LoadClient catches what its operations throw; anything here is a bug of the tool.
                throw new IllegalStateException("client " + c + " failed", e.getCause());
            }
        }
        return new RunResult(target.name(), workload, all, options.seconds(), errors, warmupErrors, stopped, hung);
    }
}
