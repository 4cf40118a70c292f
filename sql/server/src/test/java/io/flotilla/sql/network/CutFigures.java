package io.flotilla.sql.network;

import io.flotilla.sql.nemesis.NemesisReport;
import io.flotilla.sql.nemesis.Outcome;
import io.flotilla.sql.nemesis.Phase;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The availability figures of one scenario's run, per cut and workload, from its recorded
 * operations. Writes are what the issue measures (clients that write nothing): a write is an
 * insert, a transfer, a register write or compare-and-set, and it counts once acknowledged.
 */
final class CutFigures {

    static final Set<String> WRITES = Set.of("insert", "transfer", "write", "cas");
    /** No acknowledged write in the cut's phase at all. */
    static final long NONE = Long.MAX_VALUE;

    private final ScenarioRun run;
    /** Completion times of each workload's acknowledged writes, sorted. */
    private final Map<String, long[]> acknowledgedWrites = new HashMap<>();

    CutFigures(ScenarioRun run) {
        this.run = run;
        for (String w : run.workloads()) {
            acknowledgedWrites.put(w, run.outcomes().getOrDefault(w, List.of()).stream()
                    .filter(CutFigures::acknowledgedWrite).mapToLong(Outcome::completedNanos).sorted().toArray());
        }
    }

    static boolean acknowledgedWrite(Outcome o) {
        return o.result() == Outcome.Result.OK && WRITES.contains(o.operation());
    }

    int cuts() {
        return run.cuts().size();
    }

    /**
     * From the cut to the first acknowledged write the workload invoked at or after it, NONE if
     * there was none before the next cut. Writes invoked before the cut are left out: one whose
     * answer was on its way when the cut came says nothing of the cluster after it.
     */
    long firstWriteAfter(int cut, String workload) {
        NetworkNemesis.Cut c = run.cuts().get(cut);
        long end = phaseOf(cut).endNanos();
        long first = NONE;
        for (Outcome o : run.outcomes().getOrDefault(workload, List.of())) {
            if (acknowledgedWrite(o) && o.invokedNanos() >= c.startNanos() && o.completedNanos() <= end) {
                first = Math.min(first, o.completedNanos() - c.startNanos());
            }
        }
        return first;
    }

    /**
     * From the cut to the first time a node reported itself leader anew (a new leader, or the same
     * node in a new term), as the leadership monitor saw it from the client host, NONE if no node
     * did before the next cut. Next to the first write, it tells the cluster's recovery from the
     * clients': a new leader within 2 s and writes after 13 s is the driver waiting.
     */
    long newLeaderAfter(int cut) {
        NetworkNemesis.Cut c = run.cuts().get(cut);
        long end = phaseOf(cut).endNanos();
        return run.leadership().stream()
                .filter(ch -> ch.atNanos() >= c.startNanos() && ch.atNanos() <= end && ch.state().startsWith("LEADER"))
                .mapToLong(ch -> ch.atNanos() - c.startNanos()).min().orElse(NONE);
    }

    /** The longest stretch without an acknowledged write of the workload, from the cut to the next one. */
    long longestGap(int cut, String workload) {
        Phase p = phaseOf(cut);
        return NemesisReport.longestGap(acknowledgedWrites.get(workload), p.startNanos(), p.endNanos()).length();
    }

    /** The longest gap of the workload over every cut. */
    long longestGap(String workload) {
        long longest = 0;
        for (int i = 0; i < cuts(); i++) {
            longest = Math.max(longest, longestGap(i, workload));
        }
        return longest;
    }

    /**
     * The operations of the workload that were under way while the cut lasted, each with how long
     * it took counted from the cut if it began before (what the cut cost it).
     */
    List<TimedCall> callsDuring(int cut, String workload) {
        NetworkNemesis.Cut c = run.cuts().get(cut);
        List<TimedCall> out = new ArrayList<>();
        for (Outcome o : run.outcomes().getOrDefault(workload, List.of())) {
            long from = Math.max(o.invokedNanos(), c.startNanos());
            if (from < c.healedNanos() && o.completedNanos() > c.startNanos()) {
                out.add(new TimedCall(o, o.completedNanos() - from));
            }
        }
        return out;
    }

    /** An operation and how long it took from its start, or from the cut if it began before. */
    record TimedCall(Outcome outcome, long nanos) {
    }

    /** The slowest operation of the workload under way during any cut, in nanoseconds. */
    long slowestCall(String workload) {
        long slowest = 0;
        for (int i = 0; i < cuts(); i++) {
            for (TimedCall t : callsDuring(i, workload)) {
                slowest = Math.max(slowest, t.nanos());
            }
        }
        return slowest;
    }

    long operationsOk(String workload) {
        return run.outcomes().getOrDefault(workload, List.of()).stream().filter(o -> o.result() == Outcome.Result.OK).count();
    }

    long anomalies(String workload) {
        return run.anomalies().stream().filter(a -> a.workload().equals(workload)).count();
    }

    /** The first write after each cut, in cut order. */
    List<Long> firstWrites(String workload) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < cuts(); i++) {
            out.add(firstWriteAfter(i, workload));
        }
        return out;
    }

    /** The median; NONE counts as longer than anything, and a middle pair with NONE in it is NONE. */
    static long median(List<Long> values) {
        if (values.isEmpty()) {
            return NONE;
        }
        List<Long> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        if (n % 2 == 1) {
            return sorted.get(n / 2);
        }
        long a = sorted.get(n / 2 - 1);
        long b = sorted.get(n / 2);
        return a == NONE || b == NONE ? NONE : (a + b) / 2;
    }

    static long worst(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(NONE);
    }

    static String seconds(long nanos) {
        return nanos == NONE ? "none" : String.format("%.2f s", nanos / 1e9);
    }

    private Phase phaseOf(int cut) {
        return run.phases().stream().filter(p -> p.number() == cut + 1).findFirst().orElseThrow();
    }
}
