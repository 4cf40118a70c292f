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
import java.util.Optional;

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
    sealed interface Destination permits Here, InRange, AcrossRanges, EveryRange {
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
        throw new SQLException("the statement " + (kind == StatementKind.DML ? "writes" : "locks")
                + " keys of more than one range, and writes across ranges are not supported yet",
                SqlStates.NOT_SUPPORTED);
    }
}
