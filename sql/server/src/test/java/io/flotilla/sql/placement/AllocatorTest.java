package io.flotilla.sql.placement;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The allocator's rules, and its run on paper where this machine stops (docs/ranges.md,
 * "Placement"): a hundred nodes holding a hundred thousand ranges, ten nodes added.
 */
class AllocatorTest {

    private static final Allocator ALLOCATOR = new Allocator(3);

    private static SortedSet<Long> ids(long from, long to) {
        TreeSet<Long> ids = new TreeSet<>();
        for (long id = from; id <= to; id++) {
            ids.add(id);
        }
        return ids;
    }

    /** {@code ranges} ranges on nodes 1..{@code nodes}, three replicas each, spread round robin, leases on the first. */
    private static Layout spread(int nodes, int ranges) {
        Map<Long, SortedSet<Long>> replicas = new TreeMap<>();
        Map<Long, Long> leases = new TreeMap<>();
        for (long r = 1; r <= ranges; r++) {
            TreeSet<Long> on = new TreeSet<>();
            for (int k = 0; k < 3; k++) {
                on.add((r * 3 + k) % nodes + 1);
            }
            replicas.put(r, on);
            leases.put(r, (r * 3) % nodes + 1);
        }
        return new Layout(ids(1, nodes), ids(1, nodes), replicas, leases);
    }

    private static Map<Long, Long> counts(Layout layout, Function<Layout, Map<Long, ? extends Iterable<Long>>> of) {
        Map<Long, Long> counts = new HashMap<>();
        layout.live().forEach(n -> counts.put(n, 0L));
        of.apply(layout).values().forEach(nodes -> nodes.forEach(n -> counts.merge(n, 1L, Long::sum)));
        return counts;
    }

    private static Map<Long, Long> replicaCounts(Layout layout) {
        return counts(layout, Layout::replicas);
    }

    private static Map<Long, Long> leaseCounts(Layout layout) {
        return counts(layout, l -> l.leases().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()))));
    }

    /** Every range on three distinct live nodes, its lease on one of them; counts within one of each other. */
    private static void assertPlaced(Layout layout) {
        layout.replicas().forEach((range, on) -> {
            assertEquals(3, on.size(), "range " + range + " is on " + on);
            assertTrue(layout.live().containsAll(on), "range " + range + " is on " + on + ", not all live");
            assertTrue(on.contains(layout.leases().get(range)), "range " + range + "'s lease is off its replicas");
        });
        Map<Long, Long> replicas = replicaCounts(layout);
        long spread = replicas.values().stream().mapToLong(Long::longValue).max().orElse(0)
                - replicas.values().stream().mapToLong(Long::longValue).min().orElse(0);
        assertTrue(spread <= 1, "replica counts " + new TreeMap<>(replicas));
        Map<Long, Long> leases = leaseCounts(layout);
        long mean = (layout.replicas().size() + layout.live().size() - 1) / layout.live().size();
        assertTrue(leases.values().stream().allMatch(c -> c <= mean), "lease counts " + new TreeMap<>(leases));
    }

    @Test
    void aNewNodeReceivesItsShareAndNoRangeGetsTwoReplicasOnOneNode() {
        Layout three = spread(3, 30);
        Layout four = three.withNodes(ids(4, 4));
        List<Operation> plan = ALLOCATOR.plan(four);
        Layout after = four.after(plan);
        assertPlaced(after);
        assertEquals(22, replicaCounts(after).get(4L), "90 replicas over 4 nodes: 22 or 23 each, the new one 22");
        assertEquals(List.of(), ALLOCATOR.plan(after), "a placed layout needs nothing");
    }

    @Test
    void aDecommissionedNodeIsEmptiedAndADeadOneReplaced() {
        Layout five = spread(5, 50);
        Layout draining = five.without(5);
        Layout after = draining.after(ALLOCATOR.plan(draining));
        assertEquals(0, after.replicas().values().stream().filter(on -> on.contains(5L)).count(), "node 5 holds nothing");
        assertPlaced(after);
        Layout fourLeft = after.without(2);
        Layout replaced = fourLeft.after(ALLOCATOR.plan(fourLeft));
        assertEquals(0, replaced.replicas().values().stream().filter(on -> on.contains(2L)).count());
        assertPlaced(replaced);
    }

    @Test
    void aRangeThatLostAReplicaGetsOneBack() {
        Layout placed = spread(4, 8);
        Map<Long, SortedSet<Long>> short1 = new TreeMap<>(placed.replicas());
        TreeSet<Long> two = new TreeSet<>(short1.get(1L));
        two.remove(two.last());
        short1.put(1L, two);
        Layout missing = new Layout(placed.nodes(), placed.live(), short1, placed.leases());
        Layout after = missing.after(ALLOCATOR.plan(missing));
        assertPlaced(after);
    }

    /**
     * A hundred nodes with a hundred thousand ranges (three replicas each), ten nodes added: the
     * plan moves exactly the replicas the new nodes need for every node to hold within one of the
     * mean, and no more.
     */
    @Test
    void aHundredNodesAndAHundredThousandRangesTakeTenMoreNodesInTheFewestMoves() {
        long started = System.nanoTime();
        Layout hundred = spread(100, 100_000);
        assertEquals(List.of(), ALLOCATOR.plan(hundred).stream().filter(op -> op instanceof Operation.MoveReplica).toList(),
                "the spread layout is placed");
        Layout grown = hundred.withNodes(ids(101, 110));
        long planning = System.nanoTime();
        List<Operation> plan = ALLOCATOR.plan(grown);
        long planned = System.nanoTime();
        long moves = plan.stream().filter(op -> op instanceof Operation.MoveReplica).count();
        long transfers = plan.stream().filter(op -> op instanceof Operation.TransferLease).count();
        Layout after = grown.after(plan);
        assertPlaced(after);
        // 300,000 replicas on 110 nodes: 2,727 or 2,728 each; the new nodes must receive that many.
        long minimum = replicaCounts(after).entrySet().stream().filter(e -> e.getKey() > 100)
                .mapToLong(Map.Entry::getValue).sum();
        assertEquals(minimum, moves, "every move fills a new node");
        Map<Long, Long> replicas = replicaCounts(after);
        Map<Long, Long> leases = leaseCounts(after);
        System.out.println("allocator: 100 nodes, 100,000 ranges x 3 replicas; 10 nodes added: " + moves
                + " replica moves (the minimum: " + minimum + "), " + transfers + " lease transfers; replicas per node "
                + replicas.values().stream().mapToLong(Long::longValue).min().orElse(0) + ".."
                + replicas.values().stream().mapToLong(Long::longValue).max().orElse(0) + ", leases per node "
                + leases.values().stream().mapToLong(Long::longValue).min().orElse(0) + ".."
                + leases.values().stream().mapToLong(Long::longValue).max().orElse(0) + "; planned in "
                + (planned - planning) / 1_000_000 + " ms (" + (System.nanoTime() - started) / 1_000_000 + " ms in all)");
        assertEquals(List.of(), ALLOCATOR.plan(after), "converged in one plan");
    }
}
