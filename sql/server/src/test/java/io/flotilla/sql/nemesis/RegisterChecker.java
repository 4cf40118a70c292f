package io.flotilla.sql.nemesis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides whether a history of reads, writes and compare-and-sets on registers is linearizable:
 * Wing and Gong's search for an order of the operations that respects real time and the
 * register's semantics, with Lowe's memoisation of the states already explored. Registers are
 * independent, so each key is searched on its own.
 *
 * <p>An operation whose outcome is unknown (a write or compare-and-set whose answer was lost) may
 * have taken effect at any moment after its invocation, or never: the search may place it
 * anywhere after its invocation or leave it out. Reads without an answer have no effect and are
 * not part of the history.
 *
 * <p>Two reductions keep operations with unknown outcomes from multiplying the states, both exact:
 * <ul>
 *   <li>Once no operation still to be placed compares with a value (a read that returned it, a
 *       swap from it), no operation can tell it from any other such value: a write of it is
 *       placed as writing {@link #UNOBSERVED}, and of the unknown writes of such values only the
 *       oldest not yet placed is tried (any other could take its place wherever it is used,
 *       being invoked no earlier).</li>
 *   <li>A state that places a superset of another visited state's unknown operations, with the
 *       same known operations placed and the same value, is dominated: whatever order completes it
 *       completes the other too. It is not explored again.</li>
 * </ul>
 */
public final class RegisterChecker {

    /** The one value standing for every value no operation still compares with; real values are never negative. */
    private static final long UNOBSERVED = Long.MIN_VALUE;

    private RegisterChecker() {
    }

    public enum Kind { READ, WRITE, CAS }

    /**
     * One operation on one register.
     *
     * @param value          READ: the value read; WRITE: the value written; CAS: the new value
     * @param expected       CAS only: the value compared with
     * @param succeeded      CAS with a known outcome only: whether it swapped
     * @param completedNanos {@link #UNKNOWN} when the outcome is unknown
     */
    public record Op(int client, int key, Kind kind, long value, long expected, boolean succeeded, long invokedNanos,
              long completedNanos) {

        public static final long UNKNOWN = Long.MAX_VALUE;

        public static Op read(int client, int key, long value, long invoked, long completed) {
            return new Op(client, key, Kind.READ, value, 0, false, invoked, completed);
        }

        public static Op write(int client, int key, long value, long invoked, long completed) {
            return new Op(client, key, Kind.WRITE, value, 0, false, invoked, completed);
        }

        public static Op cas(int client, int key, long expected, long value, boolean succeeded, long invoked, long completed) {
            return new Op(client, key, Kind.CAS, value, expected, succeeded, invoked, completed);
        }

        public boolean outcomeKnown() {
            return completedNanos != UNKNOWN;
        }

        @Override
        public String toString() {
            String what = switch (kind) {
                case READ -> "read() = " + value;
                case WRITE -> "write(" + value + ")";
                case CAS -> "cas(" + expected + " -> " + value + ")" + (outcomeKnown() ? (succeeded ? " = ok" : " = fail") : "");
            };
            return String.format("client %d key %d %s [%.3f s, %s]%s", client, key, what, invokedNanos / 1e9,
                    outcomeKnown() ? String.format("%.3f s", completedNanos / 1e9) : "?",
                    outcomeKnown() ? "" : " (outcome unknown)");
        }
    }

    public enum Status { LINEARIZABLE, NOT_LINEARIZABLE, INCONCLUSIVE }

    public record Verdict(int key, Status status, int operations, int unknownOutcomes, long statesExplored,
                   String explanation) {
    }

    /** Checks every key's history; each key may explore at most {@code maxStatesPerKey} states. */
    public static List<Verdict> check(Collection<Op> history, long initialValue, long maxStatesPerKey) {
        Map<Integer, List<Op>> byKey = new TreeMap<>();
        for (Op op : history) {
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        List<Verdict> verdicts = new ArrayList<>();
        byKey.forEach((key, ops) -> verdicts.add(new KeySearch(key, ops, initialValue, maxStatesPerKey).run()));
        return verdicts;
    }

    /** The search over one key's operations. */
    private static final class KeySearch {
        private static final int NONE = Integer.MIN_VALUE;
        private static final long NOT_PENDING = Long.MIN_VALUE + 1;

        private final int key;
        /** Operations with a known outcome, by invocation: every one must be placed. */
        private final Op[] done;
        /** Writes and compare-and-sets with an unknown outcome, by invocation: each may be placed, or not. */
        private final Op[] open;
        /** For each value, how many operations not yet placed compare with it: reads, and swaps from it. */
        private final Map<Long, Integer> neededBy = new HashMap<>();
        private final BitSet donePlaced = new BitSet();
        private final BitSet openPlaced = new BitSet();
        private final long budget;
        /** Visited states: for each (known operations placed, value), the sets of unknown ones placed. */
        private final Map<Placed, List<long[]>> visited = new HashMap<>();
        private long states;
        private long value;
        /**
         * After an unknown operation, the value it replaced; NOT_PENDING after a known one. An
         * unknown operation is only worth placing right before an operation that tells its effect
         * apart (see candidates()), so this restricts what may come next.
         */
        private long justifying = NOT_PENDING;
        private int doneCount;
        /** The furthest the search got, for the explanation of a failure. */
        private int deepest = -1;
        private int oldestUnplacedAtDeepest;
        private final Set<Long> valuesAtDeepest = new TreeSet<>();

        KeySearch(int key, List<Op> ops, long initialValue, long budget) {
            this.key = key;
            Comparator<Op> byInvocation = Comparator.comparingLong(Op::invokedNanos);
            this.done = ops.stream().filter(Op::outcomeKnown).sorted(byInvocation).toArray(Op[]::new);
            this.open = ops.stream().filter(o -> !o.outcomeKnown() && o.kind() != Kind.READ).sorted(byInvocation)
                    .toArray(Op[]::new);
            for (Op op : ops) {
                comparesWith(op).ifPresent(v -> neededBy.merge(v, 1, Integer::sum));
            }
            this.value = initialValue;
            this.budget = budget;
        }

        /** A step of the depth-first search: the operation it placed and what to try next from there. */
        private static final class Frame {
            final int placed;          // a candidate code (see candidates()), or NONE at the root
            final long valueBefore;
            final long justifyingBefore;
            final int[] candidates;
            int next;

            Frame(int placed, long valueBefore, long justifyingBefore, int[] candidates) {
                this.placed = placed;
                this.valueBefore = valueBefore;
                this.justifyingBefore = justifyingBefore;
                this.candidates = candidates;
            }
        }

        Verdict run() {
            int operations = done.length + open.length;
            Deque<Frame> stack = new ArrayDeque<>();
            firstVisit();
            stack.push(new Frame(NONE, value, justifying, candidates()));
            noteDepth();
            while (!stack.isEmpty()) {
                if (doneCount == done.length) {
                    return new Verdict(key, Status.LINEARIZABLE, operations, open.length, states, "");
                }
                Frame top = stack.peek();
                if (top.next < top.candidates.length) {
                    int candidate = top.candidates[top.next++];
                    long before = value;
                    long justifyingBefore = justifying;
                    if (place(candidate)) {
                        if (firstVisit()) {
                            if (states > budget) {
                                return new Verdict(key, Status.INCONCLUSIVE, operations, open.length, states,
                                        "gave up after " + budget + " states; " + frontier());
                            }
                            stack.push(new Frame(candidate, before, justifyingBefore, candidates()));
                            noteDepth();
                            continue;
                        }
                        unplace(candidate, before, justifyingBefore);
                    }
                } else {
                    stack.pop();
                    if (top.placed != NONE) {
                        unplace(top.placed, top.valueBefore, top.justifyingBefore);
                    }
                }
            }
            return new Verdict(key, Status.NOT_LINEARIZABLE, operations, open.length, states, frontier());
        }

        /**
         * What may come next: an operation not yet placed that no other unplaced operation
         * completed before (real-time order). Codes: i >= 0 is done[i], -(j + 1) is open[j].
         * Operations are sorted by invocation, so once one was invoked after the earliest
         * completion among the unplaced ones before it, so were all that follow; and an operation
         * invoked later than another cannot have completed before that one was invoked.
         *
         * <p>Right after an unknown operation only what tells its effect apart may follow: a read
         * or a swap that needs the new value, or a failed swap from the value it replaced. Any
         * linearization can be brought to that form: an unknown operation followed by a write
         * can be left out, and one followed by a failed swap from another value can move after
         * it, without changing what any other operation sees; repeat until none is left.
         */
        private int[] candidates() {
            boolean pending = justifying != NOT_PENDING;
            List<Integer> out = new ArrayList<>();
            // What could come right after an unknown operation and tell its effect apart: a known
            // candidate that needs a value (a read, a successful swap), a failed swap from the value
            // it replaced, or an unknown swap from its value that is itself told apart next.
            Set<Long> needed = new HashSet<>();
            Set<Long> failedSwapsFrom = new HashSet<>();
            long earliestCompletion = Long.MAX_VALUE;
            for (int i = donePlaced.nextClearBit(0); i < done.length; i = donePlaced.nextClearBit(i + 1)) {
                Op op = done[i];
                if (op.invokedNanos() > earliestCompletion) {
                    break;
                }
                earliestCompletion = Math.min(earliestCompletion, op.completedNanos());
                if (op.kind() == Kind.READ || op.kind() == Kind.CAS && op.succeeded()) {
                    needed.add(comparesWith(op).orElseThrow());
                } else if (op.kind() == Kind.CAS) {
                    failedSwapsFrom.add(op.expected());
                }
                if (pending && (op.kind() == Kind.WRITE
                        || op.kind() == Kind.CAS && !op.succeeded() && op.expected() != justifying)) {
                    continue;
                }
                out.add(i);
            }
            List<Integer> unknown = new ArrayList<>();
            for (int j = openPlaced.nextClearBit(0); j < open.length; j = openPlaced.nextClearBit(j + 1)) {
                if (open[j].invokedNanos() > earliestCompletion) {
                    break;
                }
                unknown.add(j);
            }
            for (boolean grew = true; grew; ) {
                grew = false;
                for (int j : unknown) {
                    Op op = open[j];
                    if (op.kind() == Kind.CAS && !needed.contains(op.expected())
                            && (needed.contains(effect(op)) || failedSwapsFrom.contains(op.expected()))) {
                        needed.add(op.expected());
                        grew = true;
                    }
                }
            }
            boolean failedSwapFromValue = failedSwapsFrom.contains(value);
            boolean unobservedWriteOffered = false;
            Set<Long> unobservedSwapsOffered = new HashSet<>();
            for (int j : unknown) {
                Op op = open[j];
                if (op.kind() == Kind.CAS && op.expected() != value) {
                    continue;   // placed here it would fail: the same as leaving it out
                }
                long after = effect(op);
                if (pending && op.kind() == Kind.WRITE || after == value) {
                    continue;   // an overwrite right after an unknown operation, or no change at all
                }
                if (!failedSwapFromValue && !needed.contains(after)) {
                    continue;   // nothing that could come next would tell it apart
                }
                if (after == UNOBSERVED) {
                    // Interchangeable with every other unknown write of a value nobody compares
                    // with any more (or swap from the same value): the oldest stands for all.
                    boolean offered = op.kind() == Kind.WRITE ? unobservedWriteOffered
                            : !unobservedSwapsOffered.add(op.expected());
                    if (offered) {
                        continue;
                    }
                    unobservedWriteOffered |= op.kind() == Kind.WRITE;
                }
                out.add(-(j + 1));
            }
            return out.stream().mapToInt(Integer::intValue).toArray();
        }

        /** Applies the operation to the register if the register's semantics allow it here. */
        private boolean place(int candidate) {
            boolean known = candidate >= 0;
            Op op = known ? done[candidate] : open[-candidate - 1];
            long after = value;
            switch (op.kind()) {
                case READ -> {
                    if (value != op.value()) {
                        return false;
                    }
                }
                case WRITE -> after = effect(op);
                case CAS -> {
                    boolean swaps = value == op.expected();
                    if (known && swaps != op.succeeded() || !known && !swaps) {
                        return false;
                    }
                    if (swaps) {
                        after = effect(op);
                    }
                }
            }
            if (known) {
                donePlaced.set(candidate);
                doneCount++;
            } else {
                openPlaced.set(-candidate - 1);
            }
            comparesWith(op).ifPresent(v -> neededBy.merge(v, -1, Integer::sum));
            justifying = known ? NOT_PENDING : value;
            value = after;
            return true;
        }

        private void unplace(int candidate, long valueBefore, long justifyingBefore) {
            value = valueBefore;
            justifying = justifyingBefore;
            Op op = candidate >= 0 ? done[candidate] : open[-candidate - 1];
            if (candidate >= 0) {
                donePlaced.clear(candidate);
                doneCount--;
            } else {
                openPlaced.clear(-candidate - 1);
            }
            comparesWith(op).ifPresent(v -> neededBy.merge(v, 1, Integer::sum));
        }

        /**
         * The value whose presence decides whether the operation may be placed: the value a read
         * returned, the value a swap compares with (whatever its outcome, known or not).
         */
        private static Optional<Long> comparesWith(Op op) {
            return switch (op.kind()) {
                case READ -> Optional.of(op.value());
                case CAS -> Optional.of(op.expected());
                case WRITE -> Optional.empty();
            };
        }

        /**
         * What a write or swap placed now leaves in the register: its value, or UNOBSERVED when no
         * operation still to be placed compares with that value, which then no operation can tell
         * from any other such value.
         */
        private long effect(Op op) {
            return neededBy.getOrDefault(op.value(), 0) > 0 ? op.value() : UNOBSERVED;
        }

        /**
         * Records the current state; false if it or a state dominating it (the same known
         * operations placed, the same value, a subset of the unknown ones placed) was visited.
         */
        private boolean firstVisit() {
            int first = donePlaced.nextClearBit(0);
            long[] window = donePlaced.get(first, Math.max(first, donePlaced.length())).toLongArray();
            Placed placed = new Placed(first, window, value, justifying);
            long[] unknownPlaced = openPlaced.toLongArray();
            List<long[]> seen = visited.computeIfAbsent(placed, p -> new ArrayList<>(1));
            for (long[] s : seen) {
                if (isSubset(s, unknownPlaced)) {
                    return false;
                }
            }
            seen.add(unknownPlaced);
            states++;
            return true;
        }

        private static boolean isSubset(long[] small, long[] large) {
            for (int i = 0; i < small.length; i++) {
                long l = i < large.length ? large[i] : 0;
                if ((small[i] & ~l) != 0) {
                    return false;
                }
            }
            return true;
        }

        private void noteDepth() {
            if (doneCount > deepest) {
                deepest = doneCount;
                oldestUnplacedAtDeepest = donePlaced.nextClearBit(0);
                valuesAtDeepest.clear();
            }
            if (doneCount == deepest && valuesAtDeepest.size() < 10) {
                valuesAtDeepest.add(value);
            }
        }

        private String frontier() {
            String stuck = oldestUnplacedAtDeepest < done.length ? "; no order could place "
                    + done[oldestUnplacedAtDeepest] + " or the operations concurrent with it" : "";
            List<String> values = valuesAtDeepest.stream().map(v -> v == UNOBSERVED ? "a value nobody read" : v.toString())
                    .toList();
            return "placed at most " + deepest + " of " + done.length + " operations with a known outcome" + stuck
                    + "; the register could then hold one of " + values;
        }
    }

    /**
     * The known operations placed, the register's value, and what the next operation must justify.
     * The placed known operations are all
     * those before {@code first} plus a few after it (the window of concurrency), so only that
     * window is stored.
     */
    private static final class Placed {
        private final int first;
        private final long[] window;
        private final long value;
        private final long justifying;
        private final int hash;

        Placed(int first, long[] window, long value, long justifying) {
            this.first = first;
            this.window = window;
            this.value = value;
            this.justifying = justifying;
            this.hash = ((first * 31 + Arrays.hashCode(window)) * 31 + Long.hashCode(value)) * 31
                    + Long.hashCode(justifying);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Placed p && p.first == first && p.value == value && p.justifying == justifying
                    && Arrays.equals(p.window, window);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
