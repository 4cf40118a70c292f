package io.flotilla.bench.load;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** One client of a run: its own connection and statements, operations back to back until the end. */
final class LoadClient implements Callable<LoadClient.Result> {

    /** What one client measured; {@code stoppedBy} says why it quit early, null if it ran to the end. */
    record Result(LatencyHistogram latencies, long errors, long warmupErrors, String stoppedBy) {
    }

    /** A pause after a retryable error, so an error answered at once does not become a busy loop. */
    private static final long RETRY_PAUSE_MILLIS = 10;

    private final Target target;
    private final Workload workload;
    private final LoadOptions options;
    private final int client;
    private final StartGate gate;
    private final ErrorLog errors;

    LoadClient(Target target, Workload workload, LoadOptions options, int client, StartGate gate, ErrorLog errors) {
        this.target = target;
        this.workload = workload;
        this.options = options;
        this.client = client;
        this.gate = gate;
        this.errors = errors;
    }

    @Override
    public Result call() throws InterruptedException {
        boolean arrived = false;
        Result result = null;
        try (Connection connection = target.connect();
             Operation operation = workload.prepare(connection, client, options)) {
            gate.arrive();
            arrived = true;
            result = loop(operation, gate.awaitOpen());
        } catch (SQLException | RuntimeException e) {
            errors.report(client, result == null ? "setup" : "close", e);
            if (result == null) {
                // Connecting or preparing failed: this client measured nothing.
                return new Result(new LatencyHistogram(), 1, 0, describe(e));
            }
            // Closing failed after the run: its figures stand, the failure is one more error.
            return new Result(result.latencies(), result.errors() + 1, result.warmupErrors(), result.stoppedBy());
        } finally {
            if (!arrived) {
                gate.arrive();
            }
        }
        return result;
    }

    private Result loop(Operation operation, Schedule schedule) throws InterruptedException {
        // Seeded per client and workload: every target sees the same key sequence.
        SplittableRandom random = new SplittableRandom(31L * client + workload.ordinal());
        LatencyHistogram latencies = new LatencyHistogram();
        long measuredErrors = 0;
        long warmupErrors = 0;
        while (true) {
            long start = System.nanoTime();
            if (start - schedule.endNanos() >= 0) {
                return new Result(latencies, measuredErrors, warmupErrors, null);
            }
            boolean measured = start - schedule.measureFromNanos() >= 0;
            try {
                operation.run(random);
                // Every operation started in the measured window counts with its whole latency, even
                // one that ends after the window: leaving those out would hide exactly the stalls
                // (a failover) that the tail percentiles are there to show.
                if (measured) {
                    latencies.record(System.nanoTime() - start);
                }
            } catch (SQLException | RuntimeException e) {
                if (measured) {
                    measuredErrors++;
                } else {
                    warmupErrors++;
                }
                errors.report(client, measured ? "measured" : "warmup", e);
                if (!(e instanceof SQLException s && ErrorLog.isRetryable(s))) {
                    return new Result(latencies, measuredErrors, warmupErrors, describe(e));
                }
                Thread.sleep(RETRY_PAUSE_MILLIS);
            }
        }
    }

    private static String describe(Exception e) {
        return e instanceof SQLException s ? "SQLState " + s.getSQLState() : e.getClass().getSimpleName();
    }
}
