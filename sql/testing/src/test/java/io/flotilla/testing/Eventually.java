package io.flotilla.testing;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waiting on an observable condition with a deadline, never on time alone. */
final class Eventually {

    private Eventually() {
    }

    /** Polls the condition until it holds (true) or the time is up (false). */
    static boolean within(Duration time, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + time.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
