package io.flotilla.sql.server;

import io.flotilla.protocol.Execute;
import io.flotilla.protocol.Request;
import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.range.SqlStates;
import io.flotilla.statemachine.range.StatementKeys;
import io.flotilla.statemachine.range.StatementKind;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which range a client's statement goes to (docs/ranges.md, "Routing"): the one a forwarding node
 * named; the one data range, while this node knows of one only (nothing is parsed for it); else the
 * range that holds the statement's keys as its plan tells them ({@link StatementKeys}), against one
 * layout of this node's ranges ({@link RangeMap}), or the range of a key another range said it
 * does not own. {@link RangeRouting} then decides where in that range it runs.
 */
final class RangePlanner {

    private final Node node;
    private final RangeMap ranges;

    RangePlanner(Node node, RangeMap ranges) {
        this.node = node;
        this.ranges = ranges;
    }

    /** Where a statement goes. */
    sealed interface Destination permits Here, InRange, AcrossRanges, WritesAcross, EveryRange {
    }

    /** No keys (transaction control, settings, {@code SELECT 1}): where the session is. */
    record Here() implements Destination {
    }

    /** The range that holds all its keys. */
    record InRange(long range) implements Destination {
    }

    /** A query whose keys lie in more than one range of {@code layout}: {@link SpanningRead}. */
    record AcrossRanges(StatementKeys keys, RangeMap.Layout layout) implements Destination {
    }

    /**
     * A change whose keys lie in more than one range, which runs as one part per range, all in one
     * transaction across ranges: each part the statement itself (a change of each row by itself,
     * at the range's generation) or the parameter sets of a batch whose keys that range holds
     * ({@code sets}, their places in the batch).
     */
    record WritesAcross(List<Part> parts) implements Destination {
    }

    /** One range's part of a change across ranges. */
    record Part(long range, Execute execute, List<Integer> sets) {
    }

    /** A schema change once the tables are split: every data range runs it ({@link SchemaFanOut}). */
    record EveryRange() implements Destination {
    }

    /**
     * Where the statement goes.
     *
     * @param planner the session's statements on a replica here, to parse the statement in its schema
     * @param hint    a key a range said it does not own: a write goes to the range that does
     * @throws SQLException 08F02 when no range here holds a key of it yet (a split applied here, the
     *         range it made not open yet); 0A000 when a write's (or a locking read's) keys are in
     *         more than one range
     */
    Destination destination(Request request, RangeStatements planner, Optional<Key> hint) throws SQLException {
        if (request.getRange() != 0) {
            if (!node.replicas().containsKey(request.getRange())) {
                throw new SQLException("range " + request.getRange() + " has no replica on node " + node.id(),
                        SqlStates.UNAVAILABLE);
            }
            return new InRange(request.getRange());
        }
        RangeMap.Layout layout = ranges.now();
        Optional<Long> single = layout.single();
        if (single.isPresent()) {
            return new InRange(single.get());
        }
        Execute e = request.getExecute();
        StatementKind kind = planner.classify(e.getSql());
        if (kind == StatementKind.DDL) {
            return new EveryRange();
        }
        if (kind != StatementKind.QUERY && kind != StatementKind.LOCKING_QUERY && kind != StatementKind.DML) {
            return new Here();
        }
        StatementKeys keys = planner.keys(e);
        if (keys.none()) {
            return new Here();
        }
        if (kind == StatementKind.DML && e.getBatchCount() > 1 && hint.isEmpty() && layout.covering(keys).isEmpty()) {
            Optional<WritesAcross> bySet = batchBySet(e, planner, layout);
            if (bySet.isPresent() && bySet.get().parts().size() > 1) {
                return bySet.get();
            }
        }
        // A read goes where its keys are, as this node's layout has them now; a hint only tells
        // where an insert's rows went, which its keys did not say before it ran.
        Optional<Long> range = hint.isPresent() && kind == StatementKind.DML ? layout.owner(hint.get())
                : layout.covering(keys).or(() -> keys.insertsInto().isPresent() || !keys.inserted().isEmpty()
                        ? keys.firstKey().flatMap(layout::owner) : Optional.empty());
        if (range.isPresent()) {
            return new InRange(range.get());
        }
        Optional<Key> unheld = hint.filter(k -> layout.owner(k).isEmpty())
                .or(() -> keys.reads().stream().map(KeySpan::start).filter(k -> layout.owner(k).isEmpty()).findFirst())
                .or(() -> keys.inserted().stream().filter(k -> layout.owner(k).isEmpty()).findFirst());
        if (unheld.isPresent()) {
            // A split applied here and the range it made has not opened yet: a moment's matter.
            throw new SQLException("no range on node " + node.id() + " holds key " + unheld.get()
                    + " yet (a split is under way); retry", SqlStates.UNAVAILABLE);
        }
        if (kind == StatementKind.QUERY) {
            return new AcrossRanges(keys, layout);
        }
        if (kind == StatementKind.DML && e.getBatchCount() == 0 && planner.rowLocal(e)) {
            List<Part> parts = new ArrayList<>();
            for (RangeMap.Placed p : layout.ranges()) {
                if (keys.reads().stream().anyMatch(p.span()::overlaps)) {
                    parts.add(new Part(p.range(), e.toBuilder().setPartGeneration(p.generation()).build(), List.of()));
                }
            }
            return new WritesAcross(parts);
        }
        throw new SQLException("the statement " + (kind == StatementKind.DML ? "writes" : "locks")
                + " keys of more than one range, and of such statements only queries, updates and deletes that "
                + "change each row by itself, and batches whose every parameter set stays in one range, run "
                + "across ranges yet", SqlStates.NOT_SUPPORTED);
    }

    /** A batch whose every parameter set has its keys in one range: those sets, by range, in batch order. */
    private static Optional<WritesAcross> batchBySet(Execute e, RangeStatements planner, RangeMap.Layout layout)
            throws SQLException {
        Map<Long, List<Integer>> byRange = new TreeMap<>();
        List<StatementKeys> each = planner.keysOfEach(e);
        for (int i = 0; i < each.size(); i++) {
            StatementKeys set = each.get(i);
            Optional<Long> range = set.insertsInto().isPresent() ? Optional.empty() : layout.covering(set);
            if (range.isEmpty()) {
                return Optional.empty();
            }
            byRange.computeIfAbsent(range.get(), r -> new ArrayList<>()).add(i);
        }
        List<Part> parts = new ArrayList<>();
        for (Map.Entry<Long, List<Integer>> r : byRange.entrySet()) {
            Execute.Builder part = e.toBuilder().clearBatch();
            for (int i : r.getValue()) {
                part.addBatch(e.getBatch(i));
            }
            parts.add(new Part(r.getKey(), part.build(), List.copyOf(r.getValue())));
        }
        return Optional.of(new WritesAcross(parts));
    }
}
