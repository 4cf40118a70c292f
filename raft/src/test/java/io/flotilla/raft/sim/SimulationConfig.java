package io.flotilla.raft.sim;

import io.flotilla.raft.core.DeliberateBug;

import java.util.Set;

/** One simulation run: its seed, how many steps (events) to run, and any deliberate bugs switched on. */
public record SimulationConfig(long seed, long steps, Set<DeliberateBug> bugs) {

    public SimulationConfig {
        bugs = Set.copyOf(bugs);
    }

    public static SimulationConfig of(long seed, long steps) {
        return new SimulationConfig(seed, steps, Set.of());
    }

    public SimulationConfig withBug(DeliberateBug bug) {
        return new SimulationConfig(seed, steps, Set.of(bug));
    }
}
