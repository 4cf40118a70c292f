package io.flotilla.raft.linearizability;

import static io.flotilla.raft.linearizability.KvInput.cas;
import static io.flotilla.raft.linearizability.KvInput.get;
import static io.flotilla.raft.linearizability.KvInput.put;
import static io.flotilla.raft.linearizability.KvOutput.absent;
import static io.flotilla.raft.linearizability.KvOutput.read;
import static io.flotilla.raft.linearizability.KvOutput.swapped;
import static io.flotilla.raft.linearizability.KvOutput.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class LinearizabilityCheckerTest {

    private static Operation<KvInput, KvOutput> op(int client, KvInput input, KvOutput output,
            long invokedAt, long returnedAt) {
        return new Operation<>(client, input, output, invokedAt, returnedAt);
    }

    private static Operation<KvInput, KvOutput> timedOut(int client, KvInput input, long invokedAt) {
        return Operation.pending(client, input, invokedAt);
    }

    @SafeVarargs
    private static CheckResult<KvInput, KvOutput> check(Operation<KvInput, KvOutput>... ops) {
        List<Operation<KvInput, KvOutput>> history = new ArrayList<>();
        for (Operation<KvInput, KvOutput> op : ops) {
            history.add(op);
        }
        return LinearizabilityChecker.check(KvModel.INSTANCE, history);
    }

    @SafeVarargs
    private static void assertLinearizable(Operation<KvInput, KvOutput>... ops) {
        CheckResult<KvInput, KvOutput> result = check(ops);
        assertTrue(result.isLinearizable(), () -> "expected linearizable, got:\n" + result);
    }

    @SafeVarargs
    private static CheckResult.NotLinearizable<KvInput, KvOutput> assertNotLinearizable(
            Operation<KvInput, KvOutput>... ops) {
        CheckResult<KvInput, KvOutput> result = check(ops);
        assertInstanceOf(CheckResult.NotLinearizable.class, result, () -> result.toString());
        return (CheckResult.NotLinearizable<KvInput, KvOutput>) result;
    }

    @Test
    void emptyHistoryIsLinearizable() {
        assertLinearizable();
    }

    @Test
    void sequentialPutsAndGets() {
        assertLinearizable(
                op(1, get("x"), absent(), 0, 1),
                op(1, put("x", 1), written(), 2, 3),
                op(2, get("x"), read(1), 4, 5),
                op(2, put("x", 2), written(), 6, 7),
                op(1, get("x"), read(2), 8, 9));
    }

    @Test
    void readConcurrentWithWriteMaySeeEitherValue() {
        assertLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                op(1, put("x", 2), written(), 2, 10),
                op(2, get("x"), read(1), 3, 4));
        assertLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                op(1, put("x", 2), written(), 2, 10),
                op(2, get("x"), read(2), 3, 4));
    }

    @Test
    void readsConcurrentWithWriteCannotFlipBack() {
        // Once one read saw the new value, a read that starts after it cannot see the old one.
        assertNotLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                op(1, put("x", 2), written(), 2, 20),
                op(2, get("x"), read(2), 3, 4),
                op(3, get("x"), read(1), 5, 6));
    }

    @Test
    void staleReadAfterCompletedWriteFails() {
        CheckResult.NotLinearizable<KvInput, KvOutput> result = assertNotLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                op(1, put("x", 2), written(), 2, 3),
                op(2, get("x"), read(1), 4, 5));
        assertEquals("x", result.partitionKey());
        assertEquals(get("x"), result.stuck().input());
        assertEquals(List.of(put("x", 1), put("x", 2)),
                result.longestPrefix().stream().map(Operation::input).toList());
        assertTrue(result.explanation().contains("partition x"), result.explanation());
        assertTrue(result.explanation().contains("get(x) -> 1 [4, 5]"), result.explanation());
    }

    @Test
    void absentReadAfterCompletedWriteFails() {
        assertNotLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                op(2, get("x"), absent(), 2, 3));
    }

    @Test
    void readOfValueNeverWrittenFails() {
        assertNotLinearizable(
                op(1, put("x", 1), written(), 0, 10),
                op(2, get("x"), read(7), 2, 3));
    }

    @Test
    void readCannotSeeWriteInvokedAfterItReturned() {
        assertNotLinearizable(
                op(2, get("x"), read(1), 0, 1),
                op(1, put("x", 1), written(), 2, 3));
    }

    @Test
    void touchingIntervalsCountAsConcurrent() {
        // A return and a call at the same instant are ordered either way: the permissive reading.
        assertLinearizable(
                op(1, put("x", 1), written(), 0, 5),
                op(2, get("x"), absent(), 5, 6));
        assertNotLinearizable(
                op(1, put("x", 1), written(), 0, 4),
                op(2, get("x"), absent(), 5, 6));
    }

    @Test
    void twoSequentialCasFromSameExpectedValueCannotBothSucceed() {
        assertNotLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                op(1, cas("x", 1, 2), swapped(true), 2, 3),
                op(2, cas("x", 1, 3), swapped(true), 4, 5));
    }

    @Test
    void twoConcurrentCasFromSameExpectedValueCannotBothSucceed() {
        assertNotLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                op(1, cas("x", 1, 2), swapped(true), 2, 5),
                op(2, cas("x", 1, 3), swapped(true), 3, 6));
    }

    @Test
    void concurrentCasOneWinsOneLoses() {
        assertLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                op(1, cas("x", 1, 2), swapped(true), 2, 5),
                op(2, cas("x", 1, 3), swapped(false), 3, 6),
                op(3, get("x"), read(2), 7, 8));
    }

    @Test
    void overlappingCasChainIsSerialisedByItsValues() {
        // Invoked in the opposite order to the only order in which both can succeed.
        assertLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                op(2, cas("x", 2, 3), swapped(true), 2, 9),
                op(1, cas("x", 1, 2), swapped(true), 3, 8),
                op(3, get("x"), read(3), 10, 11));
    }

    @Test
    void failedCasMustHaveSeenAnotherValue() {
        assertNotLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                op(1, cas("x", 1, 2), swapped(false), 2, 3));
        assertNotLinearizable(op(1, cas("x", 0, 2), swapped(true), 0, 1));
        assertLinearizable(op(1, cas("x", 0, 2), swapped(false), 0, 1));
    }

    @Test
    void timedOutWriteWhoseValueIsLaterReadPasses() {
        assertLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                timedOut(1, put("x", 2), 2),
                op(2, get("x"), read(1), 3, 4),
                op(2, get("x"), read(2), 50, 51),
                op(2, get("x"), read(2), 60, 61));
    }

    @Test
    void timedOutWriteWhoseValueIsNeverReadPasses() {
        assertLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                timedOut(1, put("x", 2), 2),
                op(2, get("x"), read(1), 3, 4),
                op(2, get("x"), read(1), 50, 51));
    }

    @Test
    void timedOutWriteSeenThenUnseenFails() {
        CheckResult.NotLinearizable<KvInput, KvOutput> result = assertNotLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                timedOut(1, put("x", 2), 2),
                op(2, get("x"), read(2), 3, 4),
                op(2, get("x"), read(1), 5, 6));
        assertEquals(List.of(put("x", 1), put("x", 2), get("x")),
                result.longestPrefix().stream().map(Operation::input).toList());
        assertEquals(read(1), result.stuck().output());
    }

    @Test
    void historyOfOnlyTimedOutOperationsIsLinearizable() {
        assertLinearizable(timedOut(1, put("x", 1), 0), timedOut(2, get("y"), 0));
    }

    @Test
    void timedOutWriteCannotTakeEffectBeforeItsInvocation() {
        assertNotLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                op(2, get("x"), read(2), 2, 3),
                timedOut(1, put("x", 2), 4));
    }

    @Test
    void timedOutCasAppliesItsSemanticsWhenItTakesEffect() {
        assertLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                timedOut(1, cas("x", 1, 2), 2),
                op(2, get("x"), read(2), 3, 4));
        assertNotLinearizable(
                op(1, put("x", 3), written(), 0, 1),
                timedOut(1, cas("x", 1, 2), 2),
                op(2, get("x"), read(2), 3, 4));
    }

    @Test
    void returnedOperationWithUnknownOutputMustTakeEffectBeforeItReturned() {
        assertNotLinearizable(
                op(1, put("x", 1), written(), 0, 1),
                op(1, put("x", 2), null, 2, 3),
                op(2, get("x"), read(1), 4, 5));
    }

    @Test
    void onlyTheBrokenKeyIsReported() {
        CheckResult.NotLinearizable<KvInput, KvOutput> result = assertNotLinearizable(
                op(1, put("a", 1), written(), 0, 1),
                op(2, put("b", 1), written(), 0, 1),
                op(3, put("c", 1), written(), 0, 1),
                op(1, get("a"), read(1), 2, 3),
                op(2, put("b", 2), written(), 2, 3),
                op(3, cas("c", 1, 5), swapped(true), 2, 3),
                op(1, get("c"), read(5), 4, 5),
                op(2, get("b"), read(1), 4, 5),
                op(3, get("a"), read(1), 4, 5));
        assertEquals("b", result.partitionKey());
        assertTrue(result.operations().stream().allMatch(o -> o.input().key().equals("b")));
        assertEquals(3, result.operations().size());
    }

    @Test
    void budgetExhaustionIsUnknownUnlessAnotherKeyFails() {
        List<Operation<KvInput, KvOutput>> ops = List.of(
                op(1, put("a", 1), written(), 0, 1),
                op(1, put("a", 2), written(), 2, 3),
                op(1, get("a"), read(2), 4, 5));
        long needed = assertInstanceOf(CheckResult.Linearizable.class,
                LinearizabilityChecker.check(KvModel.INSTANCE, ops)).statesExplored();
        assertTrue(LinearizabilityChecker.check(KvModel.INSTANCE, ops, needed).isLinearizable());
        CheckResult.Unknown<?, ?> unknown = assertInstanceOf(CheckResult.Unknown.class,
                LinearizabilityChecker.check(KvModel.INSTANCE, ops, needed - 1));
        assertEquals("a", unknown.partitionKey());

        List<Operation<KvInput, KvOutput>> withBrokenKey = new ArrayList<>(ops);
        withBrokenKey.add(op(2, get("b"), read(9), 0, 1));
        CheckResult<KvInput, KvOutput> result =
                LinearizabilityChecker.check(KvModel.INSTANCE, withBrokenKey, needed - 1);
        assertEquals("b",
                assertInstanceOf(CheckResult.NotLinearizable.class, result).partitionKey());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void longSequentialHistoryNeedsNoRecursion() {
        List<Operation<KvInput, KvOutput>> ops = new ArrayList<>();
        long t = 0;
        for (int i = 1; i <= 20_000; i++) {
            ops.add(op(1, put("x", i), written(), t++, t++));
            ops.add(op(2, get("x"), read(i), t++, t++));
        }
        assertTrue(LinearizabilityChecker.check(KvModel.INSTANCE, ops).isLinearizable());
        ops.add(op(2, get("x"), read(1), t++, t++));
        assertInstanceOf(CheckResult.NotLinearizable.class,
                LinearizabilityChecker.check(KvModel.INSTANCE, ops));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void manyTimedOutWritesDoNotBlowUpTheSearch() {
        // Each timed-out write may or may not have happened: naively 2^40 combinations to refute.
        List<Operation<KvInput, KvOutput>> ops = new ArrayList<>();
        long t = 0;
        for (int i = 1; i <= 40; i++) {
            ops.add(timedOut(i, put("x", 1000 + i), t++));
            ops.add(op(100, put("x", i), written(), t++, t++));
            ops.add(op(101, get("x"), null, t++, t++));
        }
        ops.add(op(102, get("x"), read(7), t++, t++));
        assertInstanceOf(CheckResult.NotLinearizable.class,
                LinearizabilityChecker.check(KvModel.INSTANCE, ops));
        ops.add(op(102, get("x"), read(1013), t++, t++));
        ops.remove(ops.size() - 2);
        assertTrue(LinearizabilityChecker.check(KvModel.INSTANCE, ops).isLinearizable());
    }

    @Test
    void malformedInputsAreRejectedNotJudged() {
        assertThrows(IllegalArgumentException.class, () -> op(1, get("x"), absent(), 5, 4));
        assertThrows(IllegalArgumentException.class,
                () -> op(1, get("x"), absent(), 5, Operation.NEVER));
        assertThrows(IllegalArgumentException.class, () -> check(op(1, get("x"), written(), 0, 1)));
        assertThrows(IllegalArgumentException.class,
                () -> LinearizabilityChecker.check(KvModel.INSTANCE, List.of(), 0));
    }
}
