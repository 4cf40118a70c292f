package io.flotilla.sql.nemesis;

import io.flotilla.sql.nemesis.RegisterChecker.Op;
import io.flotilla.sql.nemesis.RegisterChecker.Status;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The register checker on hand-made histories: a checker that passes everything proves nothing.
 * Named like the nemesis so that it runs in the {@code nemesis} profile with the run it judges.
 * Times are abstract ticks.
 */
class RegisterCheckerNemesis {

    private static final long UNKNOWN = Op.UNKNOWN;

    private static Status verdict(Op... ops) {
        List<RegisterChecker.Verdict> verdicts = RegisterChecker.check(List.of(ops), 0, 1_000_000);
        assertEquals(1, verdicts.size());
        return verdicts.get(0).status();
    }

    @Test
    void aReadAfterAWriteSeesIt() {
        assertEquals(Status.LINEARIZABLE, verdict(Op.write(1, 0, 5, 0, 10), Op.read(2, 0, 5, 20, 30)));
    }

    @Test
    void aStaleReadAfterACompletedWriteIsCaught() {
        assertEquals(Status.NOT_LINEARIZABLE, verdict(Op.write(1, 0, 5, 0, 10), Op.read(2, 0, 0, 20, 30)));
    }

    @Test
    void aReadConcurrentWithAWriteMaySeeEitherValue() {
        assertEquals(Status.LINEARIZABLE, verdict(Op.write(1, 0, 5, 0, 30), Op.read(2, 0, 0, 10, 20)));
        assertEquals(Status.LINEARIZABLE, verdict(Op.write(1, 0, 5, 0, 30), Op.read(2, 0, 5, 10, 20)));
    }

    @Test
    void readsMayNotGoBackInTime() {
        // Both reads overlap the write, but once one saw the new value a later one may not see the old.
        assertEquals(Status.NOT_LINEARIZABLE, verdict(Op.write(1, 0, 5, 0, 100), Op.read(2, 0, 5, 10, 20),
                Op.read(3, 0, 0, 30, 40)));
    }

    @Test
    void aValueNobodyWroteIsCaught() {
        assertEquals(Status.NOT_LINEARIZABLE, verdict(Op.read(1, 0, 7, 0, 10)));
    }

    @Test
    void aWriteWithUnknownOutcomeMayHaveHappenedOrNot() {
        assertEquals(Status.LINEARIZABLE, verdict(Op.write(1, 0, 5, 0, UNKNOWN), Op.read(2, 0, 5, 100, 110)));
        assertEquals(Status.LINEARIZABLE, verdict(Op.write(1, 0, 5, 0, UNKNOWN), Op.read(2, 0, 0, 100, 110)));
        // ...but not both: once seen, it stays applied.
        assertEquals(Status.NOT_LINEARIZABLE, verdict(Op.write(1, 0, 5, 0, UNKNOWN), Op.read(2, 0, 5, 100, 110),
                Op.read(2, 0, 0, 120, 130)));
    }

    @Test
    void unknownOperationsExplainFailedSwapsAndChainsOfSwaps() {
        // The lost write explains why the swap from the initial value failed.
        assertEquals(Status.LINEARIZABLE, verdict(Op.write(1, 0, 5, 0, UNKNOWN), Op.cas(2, 0, 0, 6, false, 10, 20)));
        // A lost write, then a lost swap from its value, then a read of the swap's value.
        assertEquals(Status.LINEARIZABLE, verdict(Op.write(1, 0, 5, 0, UNKNOWN), Op.cas(2, 0, 5, 6, false, 10, UNKNOWN),
                Op.read(3, 0, 6, 20, 30)));
        // The same swap cannot have happened before the write it swaps from.
        assertEquals(Status.NOT_LINEARIZABLE, verdict(Op.cas(2, 0, 5, 6, false, 0, UNKNOWN),
                Op.read(3, 0, 6, 20, 30), Op.write(1, 0, 5, 40, UNKNOWN)));
    }

    @Test
    void anUnknownWriteCannotTakeEffectBeforeItWasInvoked() {
        assertEquals(Status.NOT_LINEARIZABLE, verdict(Op.read(2, 0, 5, 0, 10), Op.write(1, 0, 5, 20, UNKNOWN)));
    }

    @Test
    void compareAndSetsMustAgreeWithTheValue() {
        assertEquals(Status.LINEARIZABLE, verdict(Op.cas(1, 0, 0, 5, true, 0, 10), Op.cas(2, 0, 0, 6, false, 20, 30),
                Op.read(3, 0, 5, 40, 50)));
        // Two swaps from the same value, one after the other: the second cannot succeed.
        assertEquals(Status.NOT_LINEARIZABLE, verdict(Op.cas(1, 0, 0, 5, true, 0, 10),
                Op.cas(2, 0, 0, 6, true, 20, 30)));
        // A failed swap from the value the register held all along.
        assertEquals(Status.NOT_LINEARIZABLE, verdict(Op.cas(1, 0, 0, 5, false, 0, 10)));
        // An unknown swap explains a later read of its value.
        assertEquals(Status.LINEARIZABLE, verdict(Op.cas(1, 0, 0, 5, false, 0, UNKNOWN), Op.read(2, 0, 5, 20, 30)));
    }

    @Test
    void keysAreCheckedApart() {
        List<RegisterChecker.Verdict> verdicts = RegisterChecker.check(List.of(Op.write(1, 0, 5, 0, 10),
                Op.read(2, 1, 0, 20, 30), Op.read(2, 0, 0, 20, 30)), 0, 1_000);
        assertEquals(Status.LINEARIZABLE, verdicts.get(1).status());
        assertEquals(Status.NOT_LINEARIZABLE, verdicts.get(0).status());
        assertTrue(verdicts.get(0).explanation().contains("read() = 0"), verdicts.get(0).explanation());
    }

    /**
     * A long random history of a correct register, with three concurrent clients and one operation
     * in a hundred losing its answer (a write or swap then applied or not), is linearizable and
     * checked quickly; then a read at the end that returns what the register held halfway through
     * is caught, after a search of every order, within a few seconds. (Lost answers make the
     * search grow fast: at one in ten, 16,000 operations take minutes to refute. The nemesis
     * loses far fewer.)
     */
    @Test
    void aLongCorrectHistoryPassesAndOneStaleReadFailsIt() {
        Random random = new Random(42);
        List<Op> history = new ArrayList<>();
        long register = 0;
        long previous = 0;
        long time = 0;
        long nextValue = 1;
        long[] busyUntil = new long[3];
        long halfway = -1;
        boolean writtenByKnownOperation = false;   // an unknown write could be placed as late as the end
        for (int i = 0; i < 20_000; i++) {
            int client = random.nextInt(3);
            long invoked = Math.max(time, busyUntil[client]) + 1 + random.nextInt(3);
            long effect = invoked + 1 + random.nextInt(3);   // when the register changes
            long completed = effect + 1 + random.nextInt(5);
            time = effect;
            busyUntil[client] = completed;
            boolean answerLost = random.nextInt(100) == 0;
            boolean applied = !answerLost || random.nextBoolean();
            int dice = random.nextInt(10);
            if (i >= 10_000 && halfway < 0 && writtenByKnownOperation) {
                halfway = register;
            }
            if (dice < 5) {
                history.add(Op.read(client, 0, register, invoked, completed));
            } else if (dice < 8) {
                long value = nextValue++;
                if (applied) {
                    previous = register;
                    register = value;
                    writtenByKnownOperation = !answerLost;
                }
                history.add(Op.write(client, 0, value, invoked, answerLost ? UNKNOWN : completed));
            } else {
                long expected = random.nextBoolean() ? register : previous;
                long value = nextValue++;
                boolean swapped = applied && expected == register;
                if (swapped) {
                    previous = register;
                    register = value;
                    writtenByKnownOperation = !answerLost;
                }
                history.add(Op.cas(client, 0, expected, value, swapped, invoked, answerLost ? UNKNOWN : completed));
            }
        }
        RegisterChecker.Verdict ok = RegisterChecker.check(history, 0, 5_000_000).get(0);
        assertEquals(Status.LINEARIZABLE, ok.status(), ok.explanation());
        assertTrue(ok.unknownOutcomes() > 50, "unknown outcomes: " + ok.unknownOutcomes());

        long later = time + 100;
        history.add(Op.read(0, 0, halfway, later, later + 1));
        RegisterChecker.Verdict broken = RegisterChecker.check(history, 0, 5_000_000).get(0);
        assertEquals(Status.NOT_LINEARIZABLE, broken.status(), broken.explanation());
    }
}
