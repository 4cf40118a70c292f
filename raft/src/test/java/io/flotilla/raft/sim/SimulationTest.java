package io.flotilla.raft.sim;

import io.flotilla.raft.core.DeliberateBug;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The default simulation budget: {@code flotilla.sim.seeds} seeds (500 by default, 100,000 with
 * {@code -Psoak}) of {@code flotilla.sim.steps} steps, with zero violations allowed.
 */
class SimulationTest {

    static final long SEEDS = Long.getLong("flotilla.sim.seeds", 500);
    static final long STEPS = Long.getLong("flotilla.sim.steps", 10_000);
    static final long FIRST_SEED = Long.getLong("flotilla.sim.firstSeed", 1);

    @Test
    void everySeedKeepsSafetyAndLinearizability() {
        Campaign.Outcome outcome = Campaign.run(FIRST_SEED, SEEDS, STEPS, Set.of(), false);
        System.out.println(outcome.summary());
        StringBuilder report = new StringBuilder();
        for (SimulationResult failure : outcome.failures()) {
            report.append("seed ").append(failure.seed()).append(": ").append(failure.violation().orElseThrow())
                    .append("\n  replay: ").append(Campaign.replayCommand(failure.seed(), STEPS, Set.of())).append('\n');
        }
        System.out.print(report);
        assertEquals(SEEDS, outcome.seeds());
        assertTrue(outcome.steps() >= SEEDS * STEPS, "every seed runs its full budget of steps");
        assertTrue(outcome.failures().isEmpty(), report.toString());
    }

    /** Replays one seed: -Dflotilla.sim.seed=N [-Dflotilla.sim.bug=NAME]. */
    @Test
    void replay() {
        Long seed = Long.getLong("flotilla.sim.seed");
        assumeTrue(seed != null, "set -Dflotilla.sim.seed to replay a seed");
        String bug = System.getProperty("flotilla.sim.bug");
        Set<DeliberateBug> bugs = bug == null ? Set.of() : Set.of(DeliberateBug.valueOf(bug));
        Simulation simulation = new Simulation(new SimulationConfig(seed, STEPS, bugs));
        SimulationResult r = simulation.run();
        System.out.println("seed " + seed + ": " + r);
        if (r.violation().isPresent()) {
            System.out.println("last events before the violation:");
            simulation.journal().forEach(e -> System.out.println("  " + e));
        }
        assertTrue(r.violation().isEmpty(), () -> r.violation().orElseThrow().toString());
    }
}
