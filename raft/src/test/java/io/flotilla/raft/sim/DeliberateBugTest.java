package io.flotilla.raft.sim;

import io.flotilla.raft.core.DeliberateBug;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Shows that the simulator can fail: with each deliberate bug switched on, the default seed budget
 * finds a violation. A simulator that never fails proves nothing.
 */
class DeliberateBugTest {

    @ParameterizedTest
    @EnumSource(DeliberateBug.class)
    void theDefaultSeedBudgetCatchesTheBug(DeliberateBug bug) {
        Campaign.Outcome outcome = Campaign.run(SimulationTest.FIRST_SEED, SimulationTest.SEEDS, SimulationTest.STEPS,
                Set.of(bug), true);
        assertFalse(outcome.failures().isEmpty(),
                bug + " went unnoticed through " + outcome.seeds() + " seeds of " + SimulationTest.STEPS + " steps");
        SimulationResult caught = outcome.failures().get(0);
        System.out.println("deliberate bug " + bug + ": caught at seed " + caught.seed() + " by "
                + caught.violation().orElseThrow().property() + " (" + outcome.seeds() + " seeds run); replay: "
                + Campaign.replayCommand(caught.seed(), SimulationTest.STEPS, Set.of(bug)));
    }
}
