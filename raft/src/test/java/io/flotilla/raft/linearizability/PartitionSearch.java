package io.flotilla.raft.linearizability;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
  * Wing &amp; Gong's depth-first search for a linearization of one partition, with Lowe's memo
  * (see {@link VisitedStates}), run iteratively so long histories cannot overflow the stack.
  *
  * <p>Completed operations live in a doubly linked list of call and return events sorted by time.
  * One may be linearized next if its call precedes the first remaining return (the boundary); it
  * is then lifted out of the list and put back when the search backtracks. At equal times calls
  * sort before returns, so operations whose intervals merely touch count as concurrent: the more
  * permissive reading, which can hide a bug but never invent one.
  *
  * <p>Pending operations (never returned) have no return event: once invoked before the boundary
  * they may be linearized, or never. The depth-first search runs over completed operations only;
  * each level of it (a fixed set of linearized completed operations) holds a queue of
  * {@link Config}s reachable by also linearizing pending ones, grown breadth-first and only once
  * the configs before it are exhausted. Breadth-first order generates every config after the ones
  * with fewer pending operations, which is what lets the dominance rule of {@link VisitedStates}
  * prune the rest; depth-first search over pending operations would visit 2^pending supersets
  * first. The search succeeds as soon as every completed operation is linearized.
  */
final class PartitionSearch<S, I, O> {

    /** A call or return event of a completed operation; returns have no {@code match}. */
    private static final class Event {
        final int op;
        final long time;
        final Event match;
        Event prev;
        Event next;

        Event(int op, long time, Event match) {
            this.op = op;
            this.time = time;
            this.match = match;
        }

        boolean isCall() {
            return match != null;
        }
    }

    /**
      * A search state at some level: the model state and the pending operations linearized so far.
      * {@code parent} and {@code op} record how it was reached, to explain a failure.
      */
    private record Config<T>(T state, PendingSet pending, Config<T> parent, int op) {}

    /** One level of the depth-first search, with the iteration state needed to resume it. */
    private static final class Level<T> {
        final Event lifted; // the completed call linearized to get here; null at the root
        final Event boundary; // the first remaining return
        final VisitedStates.Level visited;
        final List<Config<T>> configs = new ArrayList<>();
        int configIndex;
        Event cursor; // next completed candidate for configs[configIndex]

        Level(Event lifted, Event first, VisitedStates.Level visited, Config<T> config) {
            this.lifted = lifted;
            this.visited = visited;
            Event e = first;
            while (e.isCall()) {
                e = e.next;
            }
            this.boundary = e;
            this.cursor = first;
            configs.add(config);
        }
    }

    private final Model<S, I, O> model;
    private final Object partitionKey;
    private final List<Operation<I, O>> ops;
    private final long maxStates;
    private final Event head = new Event(-1, Long.MIN_VALUE, null);
    private final int[] pendingOps; // operation index of each pending operation, by invocation

    /** @param ops the partition's operations, sorted by invocation */
    private PartitionSearch(Model<S, I, O> model, Object partitionKey, List<Operation<I, O>> ops,
            long maxStates) {
        this.model = model;
        this.partitionKey = partitionKey;
        this.ops = ops;
        this.maxStates = maxStates;
        List<Event> events = new ArrayList<>(2 * ops.size());
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Operation<I, O> op = ops.get(i);
            if (op.isPending()) {
                pending.add(i);
            } else {
                Event ret = new Event(i, op.returnedAt(), null);
                events.add(new Event(i, op.invokedAt(), ret));
                events.add(ret);
            }
        }
        this.pendingOps = pending.stream().mapToInt(Integer::intValue).toArray();
        events.sort(Comparator.comparingLong((Event e) -> e.time)
                .thenComparing(e -> !e.isCall()) // calls first: see the class comment
                .thenComparingInt(e -> e.op));
        Event last = head;
        for (Event e : events) {
            last.next = e;
            e.prev = last;
            last = e;
        }
    }

    static <S, I, O> CheckResult<I, O> run(Model<S, I, O> model, Object partitionKey,
            List<Operation<I, O>> operations, long maxStates) {
        List<Operation<I, O>> sorted = new ArrayList<>(operations);
        sorted.sort(Comparator.comparingLong(Operation::invokedAt));
        return new PartitionSearch<>(model, partitionKey, sorted, maxStates).search();
    }

    private CheckResult<I, O> search() {
        S initial = model.initialState();
        if (initial == null) {
            throw new IllegalStateException("model " + model + " has a null initial state");
        }
        if (head.next == null) {
            return new CheckResult.Linearizable<>(1, 0);
        }
        VisitedStates visited = new VisitedStates();
        BitSet completed = new BitSet(ops.size());
        long completedHash = 0; // Zobrist hash of completed, kept in step with it
        VisitedStates.Level rootLevel = visited.level(completed, completedHash);
        Config<S> root =
                new Config<>(initial, visited.visit(rootLevel, initial, PendingSet.EMPTY, -1), null, -1);
        Deque<Level<S>> levels = new ArrayDeque<>();
        levels.push(new Level<>(null, head.next, rootLevel, root));
        Level<S> deepestFailure = null;
        int deepestDepth = -1;

        while (true) {
            Level<S> level = levels.peek();
            if (level.configIndex == level.configs.size()) {
                // Nothing linearizable lets the boundary operation return in time: backtrack.
                if (levels.size() > deepestDepth) {
                    deepestDepth = levels.size();
                    deepestFailure = level;
                }
                levels.pop();
                if (levels.isEmpty()) {
                    return notLinearizable(deepestFailure);
                }
                unlift(level.lifted);
                completed.clear(level.lifted.op);
                completedHash ^= VisitedStates.hashOf(level.lifted.op);
                continue;
            }
            Config<S> config = level.configs.get(level.configIndex);
            if (!level.cursor.isCall()) {
                expandPending(level, config, visited);
                if (visited.size() > maxStates) {
                    return new CheckResult.Unknown<>(partitionKey, visited.size());
                }
                level.configIndex++;
                level.cursor = head.next;
                continue;
            }
            Event call = level.cursor;
            level.cursor = call.next;
            Operation<I, O> op = ops.get(call.op);
            Optional<S> next = model.step(config.state(), op.input(), op.output());
            if (next.isEmpty()) {
                continue;
            }
            completed.set(call.op);
            VisitedStates.Level childLevel =
                    visited.level(completed, completedHash ^ VisitedStates.hashOf(call.op));
            if (visited.visit(childLevel, next.get(), config.pending(), -1) == null) {
                completed.clear(call.op);
                continue;
            }
            completedHash ^= VisitedStates.hashOf(call.op);
            if (visited.size() > maxStates) {
                return new CheckResult.Unknown<>(partitionKey, visited.size());
            }
            lift(call);
            if (head.next == null) {
                return new CheckResult.Linearizable<>(1, visited.size());
            }
            levels.push(new Level<>(call, head.next, childLevel,
                    new Config<>(next.get(), config.pending(), config, call.op)));
        }
    }

    /** Queues every new config one more pending operation away from {@code config}. */
    private void expandPending(Level<S> level, Config<S> config, VisitedStates visited) {
        // Every config of a level but the first was reached from another by a pending operation.
        boolean viaPending = config != level.configs.get(0);
        for (int p = 0; p < pendingOps.length; p++) {
            int i = pendingOps[p];
            Operation<I, O> op = ops.get(i);
            if (op.invokedAt() > level.boundary.time) {
                return;
            }
            if (config.pending().contains(p)) {
                continue;
            }
            Optional<S> next = model.step(config.state(), op.input(), null);
            // An operation that leaves the state as it was yields a state dominated by this one.
            if (next.isEmpty() || next.get().equals(config.state())) {
                continue;
            }
            // If config was itself reached by a pending operation that this one overwrites, the same
            // state was already offered from config's parent with fewer pending operations.
            if (viaPending && next.equals(model.step(config.parent().state(), op.input(), null))) {
                continue;
            }
            PendingSet pending = visited.visit(level.visited, next.get(), config.pending(), p);
            if (pending != null) {
                level.configs.add(new Config<>(next.get(), pending, config, i));
            }
        }
    }

    private static void lift(Event call) {
        call.prev.next = call.next;
        call.next.prev = call.prev; // a call is always followed, at least by its return
        Event ret = call.match;
        ret.prev.next = ret.next;
        if (ret.next != null) {
            ret.next.prev = ret.prev;
        }
    }

    // Undoes lift; valid because lifts are undone in reverse order, so the neighbours the removed
    // events still point to are exactly where they were removed from.
    private static void unlift(Event call) {
        Event ret = call.match;
        ret.prev.next = ret;
        if (ret.next != null) {
            ret.next.prev = ret;
        }
        call.prev.next = call;
        call.next.prev = call;
    }

    private CheckResult<I, O> notLinearizable(Level<S> deepest) {
        // The level's first config was reached with the fewest pending operations: report its path.
        int length = 0;
        for (Config<S> c = deepest.configs.get(0); c.parent() != null; c = c.parent()) {
            length++;
        }
        int[] prefix = new int[length];
        for (Config<S> c = deepest.configs.get(0); c.parent() != null; c = c.parent()) {
            prefix[--length] = c.op();
        }
        int stuck = deepest.boundary.op;
        return new CheckResult.NotLinearizable<>(partitionKey, ops,
                Arrays.stream(prefix).mapToObj(ops::get).toList(), ops.get(stuck),
                Explanation.of(partitionKey, ops, prefix, stuck));
    }
}
