package io.flotilla.sql.network;

import io.flotilla.sql.nemesis.Outcome;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Issue 18's availability targets, judged per workload from a run's figures:
 * <ul>
 * <li>wherever a majority stays reachable, writes are acknowledged again within
 * {@link #WRITES_BACK_WITHIN} of the cut (the median over the cuts);</li>
 * <li>a client that reaches only the minority gets an error with a clear SQLState within the
 * failover timeout, never a hang: no call takes longer than the failover timeout plus
 * {@link #HANG_MARGIN}, counted from the cut for calls already under way, and every call that
 * fails during the cut names a SQLState other than the general error (HY000).</li>
 * </ul>
 */
final class AvailabilityTargets {

    static final Duration WRITES_BACK_WITHIN = Duration.ofSeconds(2);
    /**
     * Room for the answer's way back and the client's own scheduling: the driver sends the node
     * what is left of its failover budget, and the node answers by then.
     */
    static final Duration HANG_MARGIN = Duration.ofMillis(200);

    private final Duration failoverTimeout;

    AvailabilityTargets(Duration failoverTimeout) {
        this.failoverTimeout = failoverTimeout;
    }

    String describe(NetworkNemesis.Fault fault) {
        return fault == NetworkNemesis.Fault.CLIENT_WITH_MINORITY
                ? "every call ends within the failover timeout (" + failoverTimeout.toSeconds() + " s) + "
                        + HANG_MARGIN.toMillis() + " ms, failures with a clear SQLState"
                : "writes acknowledged again within " + WRITES_BACK_WITHIN.toSeconds() + " s of the cut (median over cuts)";
    }

    /** Why the workload missed the target in this run, or empty if it met it. */
    Optional<String> miss(ScenarioRun run, CutFigures figures, String workload) {
        if (run.cuts().isEmpty()) {
            return Optional.of("no cut was made");
        }
        return run.fault() == NetworkNemesis.Fault.CLIENT_WITH_MINORITY
                ? minorityMiss(figures, workload)
                : writesBackMiss(figures, workload);
    }

    private static Optional<String> writesBackMiss(CutFigures figures, String workload) {
        List<Long> firsts = figures.firstWrites(workload);
        long median = CutFigures.median(firsts);
        if (median <= WRITES_BACK_WITHIN.toNanos()) {
            return Optional.empty();
        }
        return Optional.of("first acknowledged write after the cut: median " + CutFigures.seconds(median) + " > "
                + WRITES_BACK_WITHIN.toSeconds() + " s (per cut: "
                + String.join(", ", firsts.stream().map(CutFigures::seconds).toList()) + ")");
    }

    private Optional<String> minorityMiss(CutFigures figures, String workload) {
        long limit = failoverTimeout.plus(HANG_MARGIN).toNanos();
        List<CutFigures.TimedCall> hung = new ArrayList<>();
        List<Outcome> unclear = new ArrayList<>();
        for (int i = 0; i < figures.cuts(); i++) {
            for (CutFigures.TimedCall t : figures.callsDuring(i, workload)) {
                if (t.nanos() > limit) {
                    hung.add(t);
                }
                Outcome o = t.outcome();
                if (o.result() != Outcome.Result.OK && (o.sqlState() == null || o.sqlState().equals("HY000"))) {
                    unclear.add(o);
                }
            }
        }
        List<String> why = new ArrayList<>();
        if (!hung.isEmpty()) {
            CutFigures.TimedCall longest = hung.stream().max(Comparator.comparingLong(CutFigures.TimedCall::nanos)).orElseThrow();
            Outcome o = longest.outcome();
            why.add(hung.size() + " calls took longer than " + CutFigures.seconds(limit) + " (longest " + o.operation()
                    + " of client " + o.client() + ": " + CutFigures.seconds(longest.nanos()) + ", then "
                    + (o.result() == Outcome.Result.OK ? "ok" : o.result() + " " + o.sqlState()) + ")");
        }
        if (!unclear.isEmpty()) {
            Outcome o = unclear.get(0);
            why.add(unclear.size() + " failures without a clear SQLState (first: " + o.operation() + " " + o.sqlState()
                    + " " + o.detail() + ")");
        }
        return why.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", why));
    }
}
