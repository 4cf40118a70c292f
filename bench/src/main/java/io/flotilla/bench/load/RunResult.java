package io.flotilla.bench.load;

/**
 * The measured part of one workload on one target: the operations started in the measured
 * window, over its length in seconds. {@code clientsStopped} quit early on a
 * non-retryable error; {@code clientsHung} were still inside an operation long after the end and
 * are left out of the figures.
 */
record RunResult(String target, Workload workload, LatencyHistogram latencies, int seconds, long errors,
                 long warmupErrors, int clientsStopped, int clientsHung) {

    double opsPerSecond() {
        return (double) latencies.count() / seconds;
    }

    double millis(double quantile) {
        return latencies.quantileNanos(quantile) / 1e6;
    }

    boolean clean() {
        return errors == 0 && warmupErrors == 0 && clientsStopped == 0 && clientsHung == 0;
    }
}
