package io.flotilla.raft.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static final long MS = 1_000_000;

    @Test
    void delaysDoubleWithinTheUpperHalfOfTheirCeilingUpToTheCap() {
        var backoff = new Backoff(Duration.ofMillis(10), Duration.ofMillis(1_000), new Random(1));
        long ceiling = 10 * MS;
        for (int attempt = 0; attempt < 20; attempt++) {
            long delay = backoff.nextDelayNanos();
            assertTrue(delay >= ceiling / 2 && delay <= ceiling, "attempt " + attempt + ": " + delay);
            ceiling = Math.min(2 * ceiling, 1_000 * MS);
        }
    }

    @Test
    void resetStartsFromTheMinimumAgain() {
        var backoff = new Backoff(Duration.ofMillis(10), Duration.ofSeconds(5), new Random(2));
        for (int i = 0; i < 10; i++) {
            backoff.nextDelayNanos();
        }
        backoff.reset();
        assertTrue(backoff.nextDelayNanos() <= 10 * MS);
    }

    @Test
    void theInjectedRandomnessDecidesTheJitter() {
        var a = new Backoff(Duration.ofMillis(10), Duration.ofSeconds(5), new Random(3));
        var b = new Backoff(Duration.ofMillis(10), Duration.ofSeconds(5), new Random(3));
        for (int i = 0; i < 10; i++) {
            assertEquals(a.nextDelayNanos(), b.nextDelayNanos());
        }
    }

    @Test
    void aHugeNumberOfFailuresStaysAtTheCap() {
        var backoff = new Backoff(Duration.ofNanos(1), Duration.ofDays(365), new Random(4));
        long delay = 0;
        for (int i = 0; i < 200; i++) {
            delay = backoff.nextDelayNanos();
        }
        assertTrue(delay >= Duration.ofDays(365).toNanos() / 2, "delay " + delay);
    }
}
