package io.flotilla.sql;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A monotonic clock in nanoseconds — {@link System#nanoTime()} plus however far a test has moved
 * it forward — so that time a test needs to have passed passes at once, with no waiting.
 */
final class MovableClock implements LongSupplier {

    private final AtomicLong offset = new AtomicLong();

    @Override
    public long getAsLong() {
        return System.nanoTime() + offset.get();
    }

    void forward(Duration by) {
        offset.addAndGet(by.toNanos());
    }
}
