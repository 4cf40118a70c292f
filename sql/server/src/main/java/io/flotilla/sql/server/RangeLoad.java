package io.flotilla.sql.server;

import io.flotilla.statemachine.keys.Key;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The statements this node ran as each data range's leader, over the last {@link #WINDOW_SECONDS}
 * seconds, with a sample of the keys they named (docs/ranges.md, "Split": splits by load). A range
 * whose rate is above the node's {@code --range-max-qps} is split at the middle of its sampled keys
 * ({@link AutomaticSplits}), so that each half takes about half of its load; {@code
 * FLOTILLA.RANGES} shows the rate ({@code QPS}) on the leader's row. One per node, registered with
 * the system views ({@link SystemViews#count}).
 */
final class RangeLoad {

    static final int WINDOW_SECONDS = 10;
    /** Keys kept per range: the most recent, enough to find a middle that halves the load. */
    private static final int SAMPLE = 128;

    /** Keys are told for one statement in this many where the range did not tell them anyway. */
    static final int SAMPLE_EVERY = 8;

    private final Map<Long, Counter> ranges = new ConcurrentHashMap<>();
    private final boolean samplesKeys;

    /**
     * @param samplesKeys whether load splits are on: off, statements are only counted (for {@code
     *                    FLOTILLA.RANGES}), and no key is told for them
     */
    RangeLoad(boolean samplesKeys) {
        this.samplesKeys = samplesKeys;
    }

    boolean samplesKeys() {
        return samplesKeys;
    }

    /** One range's: statements per second of the window (a ring by second), and recent keys. */
    private static final class Counter {
        private final long[] counts = new long[WINDOW_SECONDS];
        private final long[] seconds = new long[WINDOW_SECONDS];
        private final Key[] keys = new Key[SAMPLE];
        private long sampled;

        synchronized void add(long second, Key key) {
            int slot = (int) Math.floorMod(second, (long) WINDOW_SECONDS);
            if (seconds[slot] != second) {
                seconds[slot] = second;
                counts[slot] = 0;
            }
            counts[slot]++;
            if (key != null) {
                keys[(int) (sampled++ % SAMPLE)] = key;
            }
        }

        synchronized double perSecond(long now) {
            long total = 0;
            for (int i = 0; i < WINDOW_SECONDS; i++) {
                if (now - seconds[i] < WINDOW_SECONDS && seconds[i] <= now) {
                    total += counts[i];
                }
            }
            return total / (double) WINDOW_SECONDS;
        }

        synchronized List<Key> keys() {
            List<Key> out = new ArrayList<>();
            for (Key k : keys) {
                if (k != null) {
                    out.add(k);
                }
            }
            return out;
        }
    }

    /** A statement this node ran as {@code range}'s leader, with a key it named, if it was told one. */
    void ran(long range, long nowNanos, Key key) {
        ranges.computeIfAbsent(range, r -> new Counter()).add(TimeUnit.NANOSECONDS.toSeconds(nowNanos), key);
    }

    /** Statements per second this node ran as {@code range}'s leader, over the window. */
    double perSecond(long range, long nowNanos) {
        Counter c = ranges.get(range);
        return c == null ? 0 : c.perSecond(TimeUnit.NANOSECONDS.toSeconds(nowNanos));
    }

    /** The keys sampled for {@code range}, most recent ones, in no order. */
    List<Key> sampledKeys(long range) {
        Counter c = ranges.get(range);
        return c == null ? List.of() : c.keys();
    }

    /** Forgets a range's load (after it split: its halves start afresh). */
    void forget(long range) {
        ranges.remove(range);
    }
}
