package io.flotilla.sql.sim;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Runs seeds of the whole-stack simulation. {@code -Dflotilla.stack.seeds=N} runs N seeds (100 by
 * default), {@code -Dflotilla.stack.seed=S} replays one.
 */
class StackSimulationTest {

    @Test
    void noWorkloadAndNoFaultBreaksTheRange() throws Exception {
        String one = System.getProperty("flotilla.stack.seed");
        int seeds = Integer.getInteger("flotilla.stack.seeds", 100);
        long first = Long.getLong("flotilla.stack.firstSeed", 1);
        List<String> failed = new ArrayList<>();
        long steps = 0;
        long splits = 0;
        long fannedOut = 0;
        long crossRange = 0;
        long totals = 0;
        long totalsRefused = 0;
        int runs = 0;
        long started = System.nanoTime();
        for (long seed = one != null ? Long.parseLong(one) : first; runs < (one != null ? 1 : seeds); seed++, runs++) {
            try (StackSimulation sim = new StackSimulation(seed, Set.of())) {
                List<String> violations = sim.run(Duration.ofSeconds(3));
                steps += sim.steps();
                splits += sim.splits();
                fannedOut += sim.fannedOut();
                crossRange += sim.crossRangeCommits();
                totals += sim.ledgerTotals()[0];
                totalsRefused += sim.ledgerTotals()[1];
                if (one != null || !violations.isEmpty()) {
                    System.out.println("stack-simulation seed " + seed + ": " + sim.summary() + " " + violations);
                }
                if (!violations.isEmpty()) {
                    failed.add("seed " + seed + ": " + violations.get(0));
                }
            }
            // A long soak shows its progress, so that a run stopped early still reports what it covered.
            if ((runs + 1) % 250 == 0) {
                System.out.println("stack-simulation: seeds " + (seed - runs) + ".." + seed + " steps=" + steps
                        + " violations=" + failed.size() + " after "
                        + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s");
            }
        }
        System.out.println("stack-simulation: seeds=" + runs + " steps=" + steps + " splits=" + splits + " fanned-out-schema-changes="
                + fannedOut + " cross-range-commits=" + crossRange + " totals-across-ranges=" + totals + " (refused "
                + totalsRefused + ") violations=" + failed.size());
        assertEquals(List.of(), failed, "replay one with -Dflotilla.stack.seed=S");
    }

    /** A seed replays exactly: the same steps, the same history, the same end state. */
    @Test
    void aSeedReplaysExactly() throws Exception {
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            try (StackSimulation sim = new StackSimulation(7, Set.of())) {
                List<String> violations = sim.run(Duration.ofSeconds(3));
                runs.add("steps " + sim.steps() + ", " + sim.summary() + ", digest " + sim.digest() + " " + violations);
            }
        }
        assertEquals(runs.get(0), runs.get(1));
    }
}
