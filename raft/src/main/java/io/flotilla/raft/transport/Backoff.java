package io.flotilla.raft.transport;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Reconnect delays: doubling from a minimum up to a cap, each drawn uniformly from the upper half
 * of its ceiling so that nodes that lost a peer together do not all knock again at once, while no
 * delay drops below half the ceiling. Not thread-safe: one per link, used on its event loop.
 */
final class Backoff {

    private final long minNanos;
    private final long maxNanos;
    private final RandomGenerator random;
    private int failures;

    Backoff(Duration min, Duration max, RandomGenerator random) {
        this.minNanos = min.toNanos();
        this.maxNanos = max.toNanos();
        this.random = random;
    }

    /** The delay before the next attempt; each call counts one more failure. */
    long nextDelayNanos() {
        long ceiling = minNanos;
        for (int i = 0; i < failures && ceiling < maxNanos; i++) {
            ceiling = ceiling > maxNanos / 2 ? maxNanos : ceiling * 2;
        }
        ceiling = Math.min(ceiling, maxNanos);
        if (ceiling < maxNanos) {
            failures++;
        }
        long half = ceiling / 2;
        return half + random.nextLong(ceiling - half + 1);
    }

    /** A connection succeeded: the next failure starts from the minimum again. */
    void reset() {
        failures = 0;
    }
}
