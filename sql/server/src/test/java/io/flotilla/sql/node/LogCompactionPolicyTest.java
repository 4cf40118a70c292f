package io.flotilla.sql.node;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a range's log is due for compaction. */
class LogCompactionPolicyTest {

    private final LogCompaction.Policy policy = new LogCompaction.Policy(100, 1_000, Duration.ofSeconds(1));

    private static LogCompaction.LogState log(long snapshot, long applied, long bytes, boolean memberBehind) {
        return new LogCompaction.LogState(snapshot, applied, bytes, memberBehind);
    }

    @Test
    void dueOnceEitherThresholdIsReached() {
        assertFalse(policy.due(log(500, 599, 999, false)));
        assertTrue(policy.due(log(500, 600, 0, false)), "100 entries applied since the snapshot");
        assertTrue(policy.due(log(500, 501, 1_000, false)), "1,000 bytes held");
    }

    @Test
    void neverWithNothingAppliedPastTheSnapshot() {
        assertFalse(policy.due(log(500, 500, 1_000_000, false)), "nothing it could drop");
        assertFalse(policy.due(log(700, 600, 1_000_000, false)), "a snapshot installed past what is applied");
    }

    @Test
    void aLeaderWithAMemberBehindWaitsUntilTwiceAThreshold() {
        assertFalse(policy.due(log(0, 150, 1_500, true)), "the member would need the whole image");
        assertTrue(policy.due(log(0, 200, 0, true)), "twice the entries");
        assertTrue(policy.due(log(0, 1, 2_000, true)), "twice the bytes");
    }

    @Test
    void thresholdsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new LogCompaction.Policy(0, 1, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new LogCompaction.Policy(1, 0, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new LogCompaction.Policy(1, 1, Duration.ZERO));
    }
}
