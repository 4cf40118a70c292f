package io.flotilla.bench.load;

/** When a run starts, when its measurement starts (the warmup before is discarded), and when it ends, in System.nanoTime. */
record Schedule(long startNanos, long measureFromNanos, long endNanos) {

    static Schedule from(long now, int warmupSeconds, int seconds) {
        long measureFrom = now + warmupSeconds * 1_000_000_000L;
        return new Schedule(now, measureFrom, measureFrom + seconds * 1_000_000_000L);
    }
}
