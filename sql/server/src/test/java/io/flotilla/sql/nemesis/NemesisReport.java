package io.flotilla.sql.nemesis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Availability and anomalies by fault and workload, measured from the recorded outcomes: a
 * summary, a per-second timeline and the SQLStates seen, as Markdown tables; and the
 * availability rule: from {@link #GRACE} after a fault healed to the next fault, every workload
 * must succeed at least once in every {@link #MAX_GAP}.
 */
public final class NemesisReport {

    static final Duration GRACE = Duration.ofSeconds(2);
    static final Duration MAX_GAP = Duration.ofSeconds(1);

    /** The longest stretch without a successful operation in a window. */
    public record Gap(long fromNanos, long toNanos) {
        public long length() {
            return toNanos - fromNanos;
        }
    }

    private final List<Phase> phases;
    private final List<String> workloads;
    private final Map<String, List<Outcome>> outcomes;
    /** Completion times of the successful operations of each workload, sorted. */
    private final Map<String, long[]> successes = new LinkedHashMap<>();
    private final List<Anomaly> anomalies;

    public NemesisReport(List<Phase> phases, List<String> workloads, Map<String, List<Outcome>> outcomes,
                  List<Anomaly> anomalies) {
        this.phases = phases;
        this.workloads = workloads;
        this.outcomes = outcomes;
        this.anomalies = anomalies;
        for (String w : workloads) {
            long[] ok = outcomes.getOrDefault(w, List.of()).stream().filter(o -> o.result() == Outcome.Result.OK)
                    .mapToLong(Outcome::completedNanos).sorted().toArray();
            successes.put(w, ok);
        }
    }

    public static Gap longestGap(long[] sortedSuccesses, long from, long to) {
        Gap longest = new Gap(from, from);
        long previous = from;
        int i = Arrays.binarySearch(sortedSuccesses, from);
        for (i = i < 0 ? -i - 1 : i; i < sortedSuccesses.length && sortedSuccesses[i] <= to; i++) {
            if (sortedSuccesses[i] - previous > longest.length()) {
                longest = new Gap(previous, sortedSuccesses[i]);
            }
            previous = sortedSuccesses[i];
        }
        if (to - previous > longest.length()) {
            longest = new Gap(previous, to);
        }
        return longest;
    }

    /** Every breach of the availability rule, described. */
    List<String> availabilityViolations() {
        List<String> out = new ArrayList<>();
        for (Phase p : phases) {
            if (!p.hasFault()) {
                continue;
            }
            long from = p.healedNanos() + GRACE.toNanos();
            if (from >= p.endNanos()) {
                out.add(String.format("phase %d (%s): the run moved on %s after the fault healed, before the %d s it "
                        + "is given plus a window to measure", p.number(), p.fault(),
                        RunClock.seconds(p.endNanos() - p.healedNanos()), GRACE.toSeconds()));
                continue;
            }
            for (String w : workloads) {
                Gap gap = longestGap(successes.get(w), from, p.endNanos());
                if (gap.length() > MAX_GAP.toNanos()) {
                    out.add(String.format("phase %d (%s %s, healed at %s): %s had no successful operation from %s to %s "
                            + "(%s), more than %d s after the fault healed", p.number(), p.fault(), p.target(),
                            RunClock.seconds(p.healedNanos()), w, RunClock.seconds(gap.fromNanos()),
                            RunClock.seconds(gap.toNanos()), RunClock.seconds(gap.length()), GRACE.toSeconds()));
                }
            }
        }
        return out;
    }

    String summary() {
        StringBuilder b = new StringBuilder();
        b.append("| # | fault | target | healed after | workload | ops ok | failed | unknown | anomalies "
                + "| longest unavailability | longest gap from heal + 2 s |\n");
        b.append("|---|---|---|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Phase p : phases) {
            for (String w : workloads) {
                int[] counts = counts(w, p.startNanos(), p.endNanos());
                long anomaliesHere = anomalies.stream().filter(a -> a.workload().equals(w) && a.atNanos() >= p.startNanos()
                        && a.atNanos() < p.endNanos()).count();
                Gap gap = longestGap(successes.get(w), p.startNanos(), p.endNanos());
                String afterHeal = "—";
                if (p.hasFault() && p.healedNanos() + GRACE.toNanos() < p.endNanos()) {
                    Gap g = longestGap(successes.get(w), p.healedNanos() + GRACE.toNanos(), p.endNanos());
                    afterHeal = RunClock.seconds(g.length()) + (g.length() > MAX_GAP.toNanos() ? " ✗" : "");
                }
                b.append(String.format("| %d | %s | %s | %s | %s | %d | %d | %d | %d | %s | %s |%n", p.number(), p.fault(),
                        p.target(), p.hasFault() ? RunClock.seconds(p.healedNanos() - p.startNanos()) : "—", w,
                        counts[0], counts[1], counts[2], anomaliesHere, RunClock.seconds(gap.length()), afterHeal));
            }
        }
        long end = phases.isEmpty() ? 0 : phases.get(phases.size() - 1).endNanos();
        long start = phases.isEmpty() ? 0 : phases.get(0).startNanos();
        for (String w : workloads) {
            int[] counts = counts(w, Long.MIN_VALUE, Long.MAX_VALUE);
            long all = anomalies.stream().filter(a -> a.workload().equals(w)).count();
            Gap gap = longestGap(successes.get(w), start, end);
            b.append(String.format("| all | whole run (final state included) | | | %s | %d | %d | %d | %d | %s | |%n", w,
                    counts[0], counts[1], counts[2], all, RunClock.seconds(gap.length())));
        }
        return b.toString();
    }

    /** ok / failed / unknown per workload for every second of the run, with the faults marked. */
    public String timeline() {
        long end = phases.isEmpty() ? 0 : phases.get(phases.size() - 1).endNanos();
        int seconds = (int) (end / 1_000_000_000L) + 1;
        Map<Integer, List<String>> events = new TreeMap<>();
        for (Phase p : phases) {
            if (p.hasFault()) {
                events.computeIfAbsent(second(p.startNanos()), s -> new ArrayList<>())
                        .add("#" + p.number() + " " + p.fault() + " " + p.target());
                events.computeIfAbsent(second(p.healedNanos()), s -> new ArrayList<>()).add("#" + p.number() + " healed");
            } else {
                events.computeIfAbsent(second(p.startNanos()), s -> new ArrayList<>()).add("baseline");
            }
        }
        Map<String, int[][]> perSecond = new LinkedHashMap<>();
        for (String w : workloads) {
            int[][] buckets = new int[seconds + 1][3];
            for (Outcome o : outcomes.getOrDefault(w, List.of())) {
                int s = Math.min(seconds, second(o.completedNanos()));
                buckets[s][o.result().ordinal()]++;
            }
            perSecond.put(w, buckets);
        }
        int first = phases.isEmpty() ? 0 : second(phases.get(0).startNanos());
        StringBuilder b = new StringBuilder("| t (s) | event |");
        for (String w : workloads) {
            b.append(' ').append(w).append(" ok/failed/unknown |");
        }
        b.append("\n|---:|---|").append("---:|".repeat(workloads.size())).append('\n');
        for (int s = first; s < seconds; s++) {
            b.append("| ").append(s).append(" | ").append(String.join("; ", events.getOrDefault(s, List.of()))).append(" |");
            for (String w : workloads) {
                int[] c = perSecond.get(w)[s];
                b.append(' ').append(c[0]).append('/').append(c[1]).append('/').append(c[2]).append(" |");
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** How often each SQLState ended an operation, by workload and operation. */
    public String errors() {
        Map<String, int[]> byKey = new TreeMap<>();
        for (String w : workloads) {
            for (Outcome o : outcomes.getOrDefault(w, List.of())) {
                if (o.result() != Outcome.Result.OK) {
                    byKey.computeIfAbsent(w + " | " + o.operation() + " | " + o.sqlState(), k -> new int[3])
                            [o.result().ordinal()]++;
                }
            }
        }
        StringBuilder b = new StringBuilder("| workload | operation | SQLState | failed | unknown |\n|---|---|---|---:|---:|\n");
        byKey.forEach((key, c) -> b.append(String.format("| %s | %d | %d |%n", key, c[1], c[2])));
        return b.toString();
    }

    private int[] counts(String workload, long from, long to) {
        int[] c = new int[3];
        for (Outcome o : outcomes.getOrDefault(workload, List.of())) {
            if (o.completedNanos() >= from && o.completedNanos() < to) {
                c[o.result().ordinal()]++;
            }
        }
        return c;
    }

    private static int second(long nanos) {
        return (int) (nanos / 1_000_000_000L);
    }
}
