package io.flotilla.raft.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RandomHistoryTest {

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 20);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void historyOfARealSequentialExecutionIsLinearizable(long seed) {
        List<Operation<KvInput, KvOutput>> history = RandomKvHistory.generate(seed, 2000, 4, 8, 0.02);
        CheckResult<KvInput, KvOutput> result =
                LinearizabilityChecker.check(KvModel.INSTANCE, history);
        assertTrue(result.isLinearizable(), () -> "seed " + seed + ":\n" + result);
        assertEquals(4, ((CheckResult.Linearizable<?, ?>) result).partitions());
    }

    @ParameterizedTest
    @MethodSource("seeds")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void staleReadMutationIsCaught(long seed) {
        List<Operation<KvInput, KvOutput>> history = RandomKvHistory.generate(seed, 2000, 4, 8, 0.02);
        RandomKvHistory.Mutation mutation = RandomKvHistory.staleRead(history, seed);
        Operation<KvInput, KvOutput> original = history.get(mutation.mutatedIndex());
        Operation<KvInput, KvOutput> stale = mutation.history().get(mutation.mutatedIndex());
        assertNotEquals(original.output(), stale.output());

        CheckResult<KvInput, KvOutput> result =
                LinearizabilityChecker.check(KvModel.INSTANCE, mutation.history());
        CheckResult.NotLinearizable<?, ?> failure =
                assertInstanceOf(CheckResult.NotLinearizable.class, result, () -> "seed " + seed);
        assertEquals(original.input().key(), failure.partitionKey());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void manyTimeoutsOnFewKeysStayTractable() {
        // A tenth of the operations time out, a hundred or so per key, half of them taking effect.
        for (long seed = 101; seed <= 105; seed++) {
            List<Operation<KvInput, KvOutput>> history = RandomKvHistory.generate(seed, 2000, 2, 8, 0.1);
            long s = seed;
            CheckResult<KvInput, KvOutput> result =
                    LinearizabilityChecker.check(KvModel.INSTANCE, history);
            assertTrue(result.isLinearizable(), () -> "seed " + s + ":\n" + result);
            CheckResult<KvInput, KvOutput> mutated = LinearizabilityChecker.check(
                    KvModel.INSTANCE, RandomKvHistory.staleRead(history, seed).history());
            assertInstanceOf(CheckResult.NotLinearizable.class, mutated, () -> "seed " + s);
        }
    }
}
