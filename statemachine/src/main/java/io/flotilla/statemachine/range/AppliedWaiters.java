package io.flotilla.statemachine.range;

import java.util.concurrent.TimeUnit;

/**
 * Threads waiting for a replica to have applied up to some index — a follower read that must
 * include what the leader had — woken by the apply thread as it moves on, rather than polling.
 */
final class AppliedWaiters {

    private final Object lock = new Object();
    private long reached;

    /** The replica has applied through {@code index} (an index below one already reached changes nothing). */
    void reached(long index) {
        synchronized (lock) {
            if (index > reached) {
                reached = index;
                lock.notifyAll();
            }
        }
    }

    /** Waits at most {@code timeoutNanos} for {@code index}; whether it was reached. */
    boolean await(long index, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        synchronized (lock) {
            while (reached < index) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }
}
