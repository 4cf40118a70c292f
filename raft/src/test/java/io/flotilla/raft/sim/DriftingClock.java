package io.flotilla.raft.sim;

import java.util.function.LongSupplier;

/**
 * A node's monotonic clock: runs at {@code rate} times simulated real time. The rate can change,
 * but the clock never jumps or runs backwards.
 */
final class DriftingClock implements LongSupplier {

    private final LongSupplier realTime;
    private long realBase;
    private long localBase;
    private double rate;

    DriftingClock(LongSupplier realTime, long localStart, double rate) {
        this.realTime = realTime;
        this.realBase = realTime.getAsLong();
        this.localBase = localStart;
        this.rate = rate;
    }

    @Override
    public long getAsLong() {
        return localBase + (long) ((realTime.getAsLong() - realBase) * rate);
    }

    void setRate(double newRate) {
        localBase = getAsLong();
        realBase = realTime.getAsLong();
        rate = newRate;
    }

    double rate() {
        return rate;
    }

    /** Real time until this clock shows {@code local}. */
    long realDelayUntil(long local) {
        long remaining = local - getAsLong();
        return remaining <= 0 ? 0 : (long) Math.ceil(remaining / rate);
    }
}
