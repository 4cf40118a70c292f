package io.flotilla.bench.load;

/**
 * Latencies in nanoseconds, in log-linear buckets: exact below 128 ns, then 64 buckets per power
 * of two, so a reported percentile is at most 1/64 (1.6 %) above the true value. Fixed size
 * (about 18 KiB) however long the run; one per client, not thread-safe, merged at the end.
 */
final class LatencyHistogram {

    private static final int SUB_BITS = 6;
    private static final int SUB_COUNT = 1 << SUB_BITS;
    /** Values are clamped to 2^40 ns (about 18 minutes); nothing in a load run waits longer. */
    private static final int MAX_BITS = 40;
    private static final long MAX_VALUE = (1L << MAX_BITS) - 1;
    private static final int BUCKETS = 2 * SUB_COUNT + (MAX_BITS - SUB_BITS - 1) * SUB_COUNT;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long max;

    void record(long nanos) {
        long v = Math.min(Math.max(nanos, 0), MAX_VALUE);
        counts[index(v)]++;
        total++;
        max = Math.max(max, v);
    }

    void add(LatencyHistogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        max = Math.max(max, other.max);
    }

    long count() {
        return total;
    }

    long maxNanos() {
        return max;
    }

    /** The highest value of the bucket that holds the given quantile (0..1); 0 when empty. */
    long quantileNanos(double quantile) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(quantile * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(highestInBucket(i), max);
            }
        }
        return max;
    }

    static int index(long v) {
        if (v < 2 * SUB_COUNT) {
            return (int) v;
        }
        int shift = 63 - Long.numberOfLeadingZeros(v) - SUB_BITS; // >= 1; v >> shift is in [64, 128)
        return 2 * SUB_COUNT + (shift - 1) * SUB_COUNT + (int) ((v >> shift) - SUB_COUNT);
    }

    static long highestInBucket(int index) {
        if (index < 2 * SUB_COUNT) {
            return index;
        }
        int shift = (index - 2 * SUB_COUNT) / SUB_COUNT + 1;
        long sub = SUB_COUNT + (index - 2 * SUB_COUNT) % SUB_COUNT;
        return ((sub + 1) << shift) - 1;
    }
}
