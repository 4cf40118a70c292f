package io.flotilla.sql.placement;

import java.util.Collections;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where a cluster's ranges are, as the allocator sees it: the nodes, those of them that may hold
 * replicas (live and not being decommissioned), each range's replicas and the node that holds its
 * lease.
 *
 * @param nodes    every node that holds or may hold replicas
 * @param live     the nodes replicas may be on: up (or down for less than the replacement delay)
 *                 and not being decommissioned
 * @param replicas each range's replicas, by range id
 * @param leases   each range's leaseholder, by range id (a range may have none)
 */
public record Layout(SortedSet<Long> nodes, SortedSet<Long> live, Map<Long, SortedSet<Long>> replicas,
                     Map<Long, Long> leases) {

    public Layout {
        nodes = Collections.unmodifiableSortedSet(new TreeSet<>(nodes));
        live = Collections.unmodifiableSortedSet(new TreeSet<>(live));
        if (!nodes.containsAll(live)) {
            throw new IllegalArgumentException("live nodes " + live + " are not all among the nodes " + nodes);
        }
        Map<Long, SortedSet<Long>> copy = new TreeMap<>();
        replicas.forEach((range, on) -> copy.put(range, Collections.unmodifiableSortedSet(new TreeSet<>(on))));
        replicas = Collections.unmodifiableMap(copy);
        leases = Collections.unmodifiableMap(new TreeMap<>(leases));
    }

    /** This layout with {@code plan} carried out. */
    public Layout after(Iterable<Operation> plan) {
        Map<Long, SortedSet<Long>> next = new TreeMap<>();
        replicas.forEach((range, on) -> next.put(range, new TreeSet<>(on)));
        Map<Long, Long> nextLeases = new TreeMap<>(leases);
        for (Operation op : plan) {
            if (op instanceof Operation.MoveReplica m) {
                SortedSet<Long> on = next.get(m.range());
                if (!on.remove(m.from()) || !on.add(m.to())) {
                    throw new IllegalStateException("cannot move range " + m.range() + " from " + m.from() + " to "
                            + m.to() + ": it is on " + on);
                }
                if (Long.valueOf(m.from()).equals(nextLeases.get(m.range()))) {
                    nextLeases.remove(m.range());
                }
            } else if (op instanceof Operation.AddReplica a) {
                if (!next.get(a.range()).add(a.to())) {
                    throw new IllegalStateException("range " + a.range() + " is on node " + a.to() + " already");
                }
            } else if (op instanceof Operation.TransferLease t) {
                if (!next.get(t.range()).contains(t.to())) {
                    throw new IllegalStateException("range " + t.range() + " has no replica on node " + t.to());
                }
                nextLeases.put(t.range(), t.to());
            }
        }
        return new Layout(nodes, live, next, nextLeases);
    }

    /** This layout with {@code added} nodes, live and empty. */
    public Layout withNodes(SortedSet<Long> added) {
        TreeSet<Long> all = new TreeSet<>(nodes);
        all.addAll(added);
        TreeSet<Long> alive = new TreeSet<>(live);
        alive.addAll(added);
        return new Layout(all, alive, replicas, leases);
    }

    /** This layout with {@code node} no longer taking replicas (dead for good, or decommissioned). */
    public Layout without(long node) {
        TreeSet<Long> alive = new TreeSet<>(live);
        alive.remove(node);
        return new Layout(nodes, alive, replicas, leases);
    }
}
