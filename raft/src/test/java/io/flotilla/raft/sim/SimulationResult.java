package io.flotilla.raft.sim;

import java.util.Optional;

/** What one seed's run found. */
public record SimulationResult(long seed, long steps, Optional<Violation> violation, int operations,
                               int unknownOperations, long maxTerm, long committed, boolean quiesce,
                               long quiesceEvents) {
}
