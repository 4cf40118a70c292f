package io.flotilla.sql.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides where ranges' replicas and leases go (docs/ranges.md, "Placement"): a pure function of a
 * {@link Layout}, with no I/O, so that the meta range's leader can run it against the cluster and a
 * simulation against a hundred thousand ranges alike. It proposes only ordinary operations — move
 * a replica (carried out as add learner, catch up, promote, remove), transfer a lease — and each
 * round's plan is what the layout needs next, by these rules, most urgent first:
 *
 * <ol>
 *   <li>a range with a replica on a dead or decommissioning node gets a replica elsewhere instead;
 *   <li>a range with fewer than {@code replicas} replicas gets more, on the live nodes with the
 *       fewest replicas;
 *   <li>replica counts are balanced: while a node holds more than the mean rounded up, one of its
 *       replicas moves to the node with the fewest, picking a range that has none there;
 *   <li>leases are balanced the same way, each moved to a replica of its own range.
 * </ol>
 *
 * Never two replicas of a range on one node. Moves are planned as if each applied at once, so a
 * round's plan converges the layout in one go; a caller that carries out only part of a plan asks
 * again with the layout it reached.
 */
public final class Allocator {

    private final int replicas;

    /** @param replicas the voters every range keeps (3 by default) */
    public Allocator(int replicas) {
        if (replicas < 1) {
            throw new IllegalArgumentException("a range keeps at least one replica");
        }
        this.replicas = replicas;
    }

    /** The operations that take {@code layout} to a placement that meets the rules, in order. */
    public List<Operation> plan(Layout layout) {
        Work w = new Work(layout);
        List<Operation> out = new ArrayList<>();
        replaceLost(w, out);
        addMissing(w, out);
        balanceReplicas(w, out);
        balanceLeases(w, out);
        return out;
    }

    private void replaceLost(Work w, List<Operation> out) {
        for (Map.Entry<Long, SortedSet<Long>> range : w.replicas.entrySet()) {
            for (long node : List.copyOf(range.getValue())) {
                if (!w.live.contains(node)) {
                    Long to = w.fewest(range.getValue());
                    if (to == null) {
                        continue;
                    }
                    w.move(range.getKey(), node, to);
                    out.add(new Operation.MoveReplica(range.getKey(), node, to));
                }
            }
        }
    }

    private void addMissing(Work w, List<Operation> out) {
        for (Map.Entry<Long, SortedSet<Long>> range : w.replicas.entrySet()) {
            while (range.getValue().size() < replicas) {
                Long to = w.fewest(range.getValue());
                if (to == null) {
                    break;
                }
                w.add(range.getKey(), to);
                out.add(new Operation.AddReplica(range.getKey(), to));
            }
        }
    }

    /**
     * Moves replicas from the fullest node to the emptiest until the counts of the live nodes are
     * within one of each other: the fewest moves that reach it, since each move lowers the excess
     * of one node and the deficit of another by one.
     */
    private void balanceReplicas(Work w, List<Operation> out) {
        // Ordered by count, then id; a node leaves the order before its count changes.
        TreeSet<Long> order = new TreeSet<>(Comparator.<Long>comparingLong(w::count).thenComparing(Comparator.naturalOrder()));
        order.addAll(w.live);
        while (order.size() > 1) {
            long from = order.last();
            Long range = null;
            long to = -1;
            for (long candidate : order) {
                if (candidate == from || w.count(from) - w.count(candidate) <= 1) {
                    break;
                }
                range = w.rangeToMove(from, candidate);
                if (range != null) {
                    to = candidate;
                    break;
                }
            }
            if (range == null) {
                return;
            }
            order.remove(from);
            order.remove(to);
            w.move(range, from, to);
            out.add(new Operation.MoveReplica(range, from, to));
            order.add(from);
            order.add(to);
        }
    }

    /** Each range's lease on one of its replicas, the count per node within one of the mean. */
    private void balanceLeases(Work w, List<Operation> out) {
        Map<Long, Long> leases = new HashMap<>();
        Map<Long, Long> leaseOf = new TreeMap<>();
        for (Map.Entry<Long, SortedSet<Long>> range : w.replicas.entrySet()) {
            Long holder = w.layout.leases().get(range.getKey());
            if (holder == null || !range.getValue().contains(holder) || !w.live.contains(holder)) {
                // The lease is where no replica is now: it goes to the replica with the fewest leases.
                holder = range.getValue().stream().filter(w.live::contains)
                        .min(Comparator.<Long>comparingLong(n -> leases.getOrDefault(n, 0L)).thenComparing(Comparator.naturalOrder()))
                        .orElse(null);
                if (holder == null) {
                    continue;
                }
                out.add(new Operation.TransferLease(range.getKey(), holder));
            }
            leaseOf.put(range.getKey(), holder);
            leases.merge(holder, 1L, Long::sum);
        }
        int nodes = w.live.size();
        long ceiling = (leaseOf.size() + nodes - 1) / Math.max(1, nodes);
        for (Map.Entry<Long, Long> range : leaseOf.entrySet()) {
            long holder = range.getValue();
            if (leases.getOrDefault(holder, 0L) <= ceiling) {
                continue;
            }
            Long to = w.replicas.get(range.getKey()).stream().filter(w.live::contains)
                    .filter(n -> leases.getOrDefault(n, 0L) + 1 < leases.get(holder))
                    .min(Comparator.<Long>comparingLong(n -> leases.getOrDefault(n, 0L)).thenComparing(Comparator.naturalOrder()))
                    .orElse(null);
            if (to != null) {
                leases.merge(holder, -1L, Long::sum);
                leases.merge(to, 1L, Long::sum);
                out.add(new Operation.TransferLease(range.getKey(), to));
            }
        }
    }

    /** The layout as the plan changes it, with what the rules need indexed. */
    private static final class Work {
        final Layout layout;
        final TreeMap<Long, SortedSet<Long>> replicas = new TreeMap<>();
        final Map<Long, TreeSet<Long>> rangesOf = new HashMap<>();
        final Map<Long, Long> counts = new HashMap<>();
        final SortedSet<Long> live;

        Work(Layout layout) {
            this.layout = layout;
            this.live = layout.live();
            for (long node : layout.nodes()) {
                counts.put(node, 0L);
                rangesOf.put(node, new TreeSet<>());
            }
            layout.replicas().forEach((range, nodes) -> {
                replicas.put(range, new TreeSet<>(nodes));
                for (long node : nodes) {
                    counts.merge(node, 1L, Long::sum);
                    rangesOf.computeIfAbsent(node, n -> new TreeSet<>()).add(range);
                }
            });
        }

        long count(long node) {
            return counts.getOrDefault(node, 0L);
        }

        /** The live node with the fewest replicas that holds none of {@code taken}; null if none. */
        Long fewest(SortedSet<Long> taken) {
            Long best = null;
            for (long node : live) {
                if (!taken.contains(node) && (best == null || count(node) < count(best))) {
                    best = node;
                }
            }
            return best;
        }

        /** A range of {@code from} with no replica on {@code to}, the lowest id first; null if none. */
        Long rangeToMove(long from, long to) {
            TreeSet<Long> onTo = rangesOf.get(to);
            for (long range : rangesOf.get(from)) {
                if (!onTo.contains(range)) {
                    return range;
                }
            }
            return null;
        }

        void move(long range, long from, long to) {
            replicas.get(range).remove(from);
            replicas.get(range).add(to);
            rangesOf.get(from).remove(range);
            rangesOf.computeIfAbsent(to, n -> new TreeSet<>()).add(range);
            counts.merge(from, -1L, Long::sum);
            counts.merge(to, 1L, Long::sum);
        }

        void add(long range, long to) {
            replicas.get(range).add(to);
            rangesOf.computeIfAbsent(to, n -> new TreeSet<>()).add(range);
            counts.merge(to, 1L, Long::sum);
        }
    }
}
