package io.flotilla.sql.sim;

import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * The whole-stack simulator's one thread of control: a queue of actions at simulated times (in
 * nanoseconds), run one at a time in time order, ties broken by the order they were scheduled. All
 * randomness comes from the seed, so a seed replays exactly.
 */
final class Scheduler {

    private record Event(long at, long sequence, Runnable action) {
    }

    private final PriorityQueue<Event> events =
            new PriorityQueue<>(Comparator.comparingLong(Event::at).thenComparingLong(Event::sequence));
    final SplittableRandom random;
    private long now;
    private long sequence;
    private long steps;

    Scheduler(long seed) {
        this.random = new SplittableRandom(seed);
    }

    long now() {
        return now;
    }

    long steps() {
        return steps;
    }

    void at(long time, Runnable action) {
        events.add(new Event(Math.max(time, now), sequence++, action));
    }

    void after(long delayNanos, Runnable action) {
        at(now + delayNanos, action);
    }

    /** Runs every action due by {@code time}, then stands at {@code time}. */
    void runUntil(long time) {
        while (!events.isEmpty() && events.peek().at() <= time) {
            Event e = events.poll();
            now = e.at();
            steps++;
            e.action().run();
        }
        now = Math.max(now, time);
    }

    /** A duration drawn uniformly from [min, max) milliseconds, in nanoseconds. */
    long millis(double min, double max) {
        return (long) ((min + random.nextDouble() * (max - min)) * 1_000_000);
    }
}
