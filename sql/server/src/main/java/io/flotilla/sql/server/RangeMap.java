package io.flotilla.sql.server;

import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.range.RangeBounds;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.StatementKeys;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which data range holds which keys, as this node's replicas know it: each replica's own bounds,
 * which its log moves at a split on this node too. No cache to go stale and no polling: a range
 * that no longer owns a statement's keys refuses it with the key (08F04), and the session routes
 * it again (docs/ranges.md, "Routing"). Every node holds a replica of every range while ranges
 * are not placed yet; a node without the range's replica would find its descriptor in the meta
 * range instead (not built yet).
 */
final class RangeMap {

    /** One data range's span and its generation, as its replica here had them when the layout was read. */
    record Placed(long range, KeySpan span, long generation) {
    }

    /** The data ranges at one moment: a statement is planned against one layout, never two. */
    record Layout(List<Placed> ranges) {

        /** The one data range, when there is one and it holds every table: nothing to plan. */
        Optional<Long> single() {
            return ranges.size() == 1 && ranges.get(0).span().covers(KeySpan.ALL_TABLES)
                    ? Optional.of(ranges.get(0).range()) : Optional.empty();
        }

        /** The range that holds every key the statement reads and every key it says it inserts, if one does. */
        Optional<Long> covering(StatementKeys keys) {
            return ranges.stream().filter(p -> keys.within(p.span())).map(Placed::range).findFirst();
        }

        /** The data ranges that hold keys of {@code span}, in key order. */
        List<Placed> overlapping(KeySpan span) {
            return ranges.stream().filter(p -> p.span().overlaps(span))
                    .sorted(Comparator.comparing((Placed p) -> p.span().start())).toList();
        }

        /** The data range that holds {@code key}. */
        Optional<Long> owner(Key key) {
            return ranges.stream().filter(p -> p.span().contains(key)).map(Placed::range).findFirst();
        }
    }

    private final Node node;

    RangeMap(Node node) {
        this.node = node;
    }

    /**
     * The data ranges now. Right after a split applied here the new range may not be open yet: its
     * keys then have no owner in the layout, for a moment.
     */
    Layout now() {
        List<Placed> placed = new ArrayList<>();
        for (Map.Entry<Long, RangeReplica> e : node.replicas().entrySet()) {
            Optional<RangeBounds> bounds = e.getValue().bounds();
            if (e.getKey() != Node.META_RANGE && bounds.isPresent()) {
                placed.add(new Placed(e.getKey(), bounds.get().span(), bounds.get().generation()));
            }
        }
        return new Layout(List.copyOf(placed));
    }
}
