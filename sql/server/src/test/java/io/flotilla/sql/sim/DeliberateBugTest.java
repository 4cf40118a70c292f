package io.flotilla.sql.sim;

import io.flotilla.statemachine.range.DeliberateBug;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The whole-stack simulation catches each bug a range replica can be told to have, within a few
 * seeds: the checks can fail, and do when the code above the Raft core is wrong.
 */
class DeliberateBugTest {

    private static final int MAX_SEEDS = 40;

    @ParameterizedTest
    @EnumSource(DeliberateBug.class)
    void isCaught(DeliberateBug bug) throws Exception {
        for (long seed = 1; seed <= MAX_SEEDS; seed++) {
            try (StackSimulation sim = new StackSimulation(seed, Set.of(bug))) {
                List<String> violations = sim.run(Duration.ofSeconds(3));
                if (!violations.isEmpty()) {
                    System.out.println("stack deliberate bug " + bug + ": caught at seed " + seed + " by " + violations.get(0));
                    return;
                }
            }
        }
        fail("deliberate bug " + bug + " went unnoticed in " + MAX_SEEDS + " seeds");
    }
}
