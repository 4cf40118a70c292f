package io.flotilla.raft.sim;

import io.flotilla.raft.core.DeliberateBug;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

/** Many seeds of the simulation, run in parallel; seeds are independent, so the order does not matter. */
public final class Campaign {

    /** The outcome of a campaign; {@code failures} sorted by seed. */
    public record Outcome(long seeds, long steps, List<SimulationResult> failures, long quiescentSeeds,
                          long quiesceEvents) {

        public String summary() {
            return "simulation: seeds=" + seeds + " steps=" + steps + " violations=" + failures.size()
                    + " (quiescence on in " + quiescentSeeds + " seeds; replicas quiesced " + quiesceEvents + " times)";
        }
    }

    private Campaign() {
    }

    /**
     * Runs seeds [firstSeed, firstSeed + count). With {@code stopAtFirstViolation}, seeds not yet
     * started when one fails are skipped (used to show that a deliberate bug is caught).
     */
    public static Outcome run(long firstSeed, long count, long steps, Set<DeliberateBug> bugs,
                              boolean stopAtFirstViolation) {
        AtomicLong seedsRun = new AtomicLong();
        AtomicLong stepsRun = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong quiescentSeeds = new AtomicLong();
        AtomicLong quiesceEvents = new AtomicLong();
        List<SimulationResult> failures = new ArrayList<>();
        LongStream.range(firstSeed, firstSeed + count).parallel().forEach(seed -> {
            if (stop.get()) {
                return;
            }
            SimulationResult r = new Simulation(new SimulationConfig(seed, steps, bugs)).run();
            seedsRun.incrementAndGet();
            stepsRun.addAndGet(r.steps());
            if (r.quiesce()) {
                quiescentSeeds.incrementAndGet();
                quiesceEvents.addAndGet(r.quiesceEvents());
            }
            if (r.violation().isPresent()) {
                synchronized (failures) {
                    failures.add(r);
                }
                if (stopAtFirstViolation) {
                    stop.set(true);
                }
            }
        });
        failures.sort(Comparator.comparingLong(SimulationResult::seed));
        return new Outcome(seedsRun.get(), stepsRun.get(), List.copyOf(failures), quiescentSeeds.get(),
                quiesceEvents.get());
    }

    /** The command that replays one seed, printed with every failure. */
    public static String replayCommand(long seed, long steps, Set<DeliberateBug> bugs) {
        return "mvn -pl raft test -Dtest=SimulationTest#replay -Dflotilla.sim.seed=" + seed
                + " -Dflotilla.sim.steps=" + steps
                + (bugs.isEmpty() ? "" : " -Dflotilla.sim.bug=" + bugs.iterator().next());
    }
}
