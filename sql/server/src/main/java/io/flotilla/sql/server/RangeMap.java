package io.flotilla.sql.server;

import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.range.RangeBounds;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.StatementKeys;

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

    private final Node node;

    RangeMap(Node node) {
        this.node = node;
    }

    /** The one data range, when this node knows of one only and it holds every table: nothing to plan. */
    Optional<Long> single() {
        Optional<Long> only = Optional.empty();
        for (Map.Entry<Long, RangeReplica> e : node.replicas().entrySet()) {
            if (e.getKey() == Node.META_RANGE) {
                continue;
            }
            Optional<RangeBounds> bounds = e.getValue().bounds();
            if (only.isPresent() || bounds.isEmpty() || !bounds.get().span().covers(KeySpan.ALL_TABLES)) {
                return Optional.empty();
            }
            only = Optional.of(e.getKey());
        }
        return only;
    }

    /** The range that holds every key the statement reads and every key it says it inserts, if one does. */
    Optional<Long> covering(StatementKeys keys) {
        for (Map.Entry<Long, RangeReplica> e : node.replicas().entrySet()) {
            Optional<RangeBounds> bounds = e.getValue().bounds();
            if (e.getKey() != Node.META_RANGE && bounds.isPresent() && keys.within(bounds.get().span())) {
                return Optional.of(e.getKey());
            }
        }
        return Optional.empty();
    }

    /** The data range that holds {@code key}. */
    Optional<Long> owner(Key key) {
        for (Map.Entry<Long, RangeReplica> e : node.replicas().entrySet()) {
            Optional<RangeBounds> bounds = e.getValue().bounds();
            if (e.getKey() != Node.META_RANGE && bounds.isPresent() && bounds.get().span().contains(key)) {
                return Optional.of(e.getKey());
            }
        }
        return Optional.empty();
    }
}
