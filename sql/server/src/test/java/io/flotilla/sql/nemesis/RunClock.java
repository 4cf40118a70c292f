package io.flotilla.sql.nemesis;

import java.time.Instant;

/**
 * The run's one time line: monotonic nanoseconds since the run began, for operation histories,
 * fault windows and the per-second timeline alike, and progress lines stamped with it. The
 * wall-clock time of its origin relates it to the nodes' logs.
 */
public final class RunClock {

    private final long origin = System.nanoTime();
    private final Instant originWallClock = Instant.now();
    /** What the progress lines start with: which harness is talking. */
    private final String label;

    RunClock() {
        this("nemesis");
    }

    public RunClock(String label) {
        this.label = label;
    }

    /** Nanoseconds since the run began. */
    public long now() {
        return System.nanoTime() - origin;
    }

    public Instant origin() {
        return originWallClock;
    }

    /** A wall-clock time (from a node's log) on the run's time line, in nanoseconds. */
    public long fromWallClock(Instant t) {
        return (t.toEpochMilli() - originWallClock.toEpochMilli()) * 1_000_000L;
    }

    public void log(String message) {
        System.out.printf("[%s %7.2fs] %s%n", label, now() / 1e9, message);
    }

    public static String seconds(long nanos) {
        return String.format("%.2f s", nanos / 1e9);
    }
}
