package io.flotilla.sql.node;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How the node's session code waits — for a commit, a leadership check, a pause between retries —
 * and reads the time its deadlines run on. A real node's session threads block. In the whole-stack
 * simulator the scheduler owns every thread that runs session code and lets one run at a time: a
 * wait hands control back to it until the awaited thing happens in simulated time, so that a seed
 * replays exactly.
 */
public interface Waits {

    /** Monotonic nanoseconds, for deadlines. */
    long nanoTime();

    /** The future's value once it completes, or TimeoutException after {@code timeoutNanos}. */
    <T> T await(CompletableFuture<T> future, long timeoutNanos)
            throws ExecutionException, TimeoutException, InterruptedException;

    void sleep(long nanos) throws InterruptedException;

    /** A real node's: the calling thread blocks. */
    Waits BLOCKING = new Waits() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public <T> T await(CompletableFuture<T> future, long timeoutNanos)
                throws ExecutionException, TimeoutException, InterruptedException {
            return future.get(timeoutNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void sleep(long nanos) throws InterruptedException {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
    };
}
