package io.flotilla.sql.node;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a range's log is due for compaction. */
class LogCompactionPolicyTest {

    private final LogCompaction.Policy policy = new LogCompaction.Policy(100, 1_000, Duration.ofSeconds(1));

    private static final Duration LONG_AGO = Duration.ofDays(1);

    private static boolean due(LogCompaction.Policy policy, LogCompaction.LogState log) {
        return policy.due(log, LONG_AGO, Duration.ZERO);
    }

    private static LogCompaction.LogState log(long snapshot, long applied, long bytes, boolean memberBehind) {
        return new LogCompaction.LogState(snapshot, applied, bytes, memberBehind);
    }

    @Test
    void dueOnceEitherThresholdIsReached() {
        assertFalse(due(policy, log(500, 599, 999, false)));
        assertTrue(due(policy, log(500, 600, 0, false)), "100 entries applied since the snapshot");
        assertTrue(due(policy, log(500, 501, 1_000, false)), "1,000 bytes held");
    }

    @Test
    void neverWithNothingAppliedPastTheSnapshot() {
        assertFalse(due(policy, log(500, 500, 1_000_000, false)), "nothing it could drop");
        assertFalse(due(policy, log(700, 600, 1_000_000, false)), "a snapshot installed past what is applied");
    }

    @Test
    void aLeaderWithAMemberBehindWaitsUntilTwiceAThreshold() {
        assertFalse(due(policy, log(0, 150, 1_500, true)), "the member would need the whole image");
        assertTrue(due(policy, log(0, 200, 0, true)), "twice the entries");
        assertTrue(due(policy, log(0, 1, 2_000, true)), "twice the bytes");
    }

    @Test
    void earlyOnceImagesWouldTakeLittleOfTheTime() {
        LogCompaction.Policy early = new LogCompaction.Policy(100, 1_000, Duration.ofSeconds(1), 10, 20);
        assertFalse(early.due(log(500, 509, 0, false), LONG_AGO, Duration.ZERO), "fewer than the early threshold");
        assertTrue(early.due(log(500, 510, 0, false), LONG_AGO, Duration.ZERO), "never compacted since the start");
        assertTrue(early.due(log(500, 510, 0, false), Duration.ofSeconds(20), Duration.ofSeconds(1)),
                "the last image took a twentieth of the time since");
        assertFalse(early.due(log(500, 510, 0, false), Duration.ofSeconds(19), Duration.ofSeconds(1)),
                "images would take more than a twentieth of the time");
        assertTrue(early.due(log(500, 600, 0, false), Duration.ofSeconds(1), Duration.ofSeconds(1)),
                "past the bound, however costly the image");
        assertFalse(early.due(log(500, 510, 0, true), LONG_AGO, Duration.ZERO), "a member behind holds it off");
    }

    @Test
    void thresholdsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new LogCompaction.Policy(0, 1, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new LogCompaction.Policy(1, 0, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new LogCompaction.Policy(1, 1, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new LogCompaction.Policy(10, 1, Duration.ofSeconds(1), 11, 20));
        assertThrows(IllegalArgumentException.class, () -> new LogCompaction.Policy(10, 1, Duration.ofSeconds(1), 5, 0));
    }
}
