package io.flotilla.sql;

import java.time.Duration;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.fail;

/** Waiting on an observable condition with a deadline, never on time alone. */
final class Eventually {

    static final Duration DEADLINE = Duration.ofSeconds(60);

    private Eventually() {
    }

    /** Fails the test, naming {@code what}, if the condition does not hold within {@link #DEADLINE}. */
    static void await(String what, Callable<Boolean> condition) throws Exception {
        if (!within(DEADLINE, condition)) {
            fail("not within " + DEADLINE.toSeconds() + " s: " + what);
        }
    }

    /** Polls the condition until it holds (true) or the time is up (false). */
    static boolean within(Duration time, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + time.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }
}
