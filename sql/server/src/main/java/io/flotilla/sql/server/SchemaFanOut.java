package io.flotilla.sql.server;

import io.flotilla.protocol.Consistency;
import io.flotilla.protocol.Execute;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.Row;
import io.flotilla.protocol.SchemaLogPlace;
import io.flotilla.statemachine.range.SqlStates;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A schema change once the tables lie in several ranges (docs/ranges.md, "Schema changes"). It runs
 * first in the first data range, which checks it (one whose outcome could depend on a range's rows
 * is refused there, {@code 0A000}, and so is one that fails: nothing ran anywhere) and gives it the
 * next place in its schema log. Then this node brings every other range up to that place: it asks
 * the range how far it has run the log and sends it, in order, each change it has not run yet, its
 * own and any other node's. A range runs a change only right after the one before it, so every
 * range runs the same changes in the same order, whoever sends them, and a change sent twice runs
 * once. The client hears the answer once every range has run the change.
 *
 * <p>A range that splits meanwhile hands its place on to the new range, which the next pass over
 * this node's ranges finds; a pass that sends nothing ends the fan-out. A node that stops half-way
 * leaves ranges behind, which the next schema change's fan-out brings up to date (before its own).
 */
final class SchemaFanOut {

    /** Passes over the ranges before giving up: each catches ranges a split made during the one before. */
    private static final int PASSES = 5;
    /** Times a range is asked again after another node's fan-out overtook this one's. */
    private static final int RETRIES = 5;

    private final RangeMap ranges;

    SchemaFanOut(RangeMap ranges) {
        this.ranges = ranges;
    }

    /** One schema change of the log: its place, the schema it ran in, its text. */
    private record Logged(long seq, String schema, String sql) {
    }

    /** Runs the schema change {@code request} carries in every data range; its answer is the first range's. */
    Response run(Request request, RangeRequests lanes) throws SQLException {
        long first = first(ranges.now());
        Request sequenced = request.toBuilder().setExecute(request.getExecute().toBuilder()
                .setSchemaLogPlace(SchemaLogPlace.getDefaultInstance())).build();
        Response answer = lanes.execute(first, sequenced);
        if (answer.hasError()) {
            return answer;
        }
        bringUp(request, lanes, last(request, lanes, first));
        return answer;
    }

    /**
     * Brings every data range up to the first data range's schema log as it is now: what a node
     * that leads the first range does when it finds one behind ({@link SchemaCatchUp}).
     *
     * @return whether any range was sent a change
     */
    boolean bringUpAll(Request request, RangeRequests lanes) throws SQLException {
        return bringUp(request, lanes, last(request, lanes, first(ranges.now())));
    }

    /** Brings every data range up to place {@code target}; whether any was sent a change. */
    private boolean bringUp(Request request, RangeRequests lanes, long target) throws SQLException {
        boolean any = false;
        for (int pass = 0; ; pass++) {
            RangeMap.Layout layout = ranges.now();
            long firstNow = first(layout);
            boolean sent = false;
            for (RangeMap.Placed range : layout.ranges()) {
                if (range.range() != firstNow) {
                    sent |= catchUp(request, lanes, firstNow, range.range(), target);
                }
            }
            if (!sent) {
                return any;
            }
            any = true;
            if (pass == PASSES) {
                throw new SQLException("the schema change ran in the first data range, but ranges kept splitting while "
                        + "it was sent to the others; the next schema change brings them up to date", SqlStates.UNAVAILABLE);
            }
        }
    }

    /** The data range whose span begins with the first table: it gives schema changes their place. */
    private static long first(RangeMap.Layout layout) throws SQLException {
        return layout.ranges().stream().filter(p -> p.span().beginsWithTables())
                .map(RangeMap.Placed::range).findFirst()
                .orElseThrow(() -> new SQLException("no first data range on this node", SqlStates.UNAVAILABLE));
    }

    /** Brings {@code range} up to place {@code target} of the first range's log; whether it sent anything. */
    private static boolean catchUp(Request request, RangeRequests lanes, long first, long range, long target)
            throws SQLException {
        boolean sent = false;
        for (int attempt = 0; attempt <= RETRIES; attempt++) {
            long at = last(request, lanes, range);
            if (at >= target) {
                return sent;
            }
            boolean overtaken = false;
            for (Logged change : logged(request, lanes, first, at, target)) {
                Response r = lanes.execute(range, Request.newBuilder().setId(request.getId())
                        .setFailoverBudgetMillis(request.getFailoverBudgetMillis())
                        .setExecute(Execute.newBuilder().setSql(change.sql()).setAutoCommit(true)
                                .setSchemaLogPlace(SchemaLogPlace.newBuilder().setSeq(change.seq()).setSchema(change.schema())))
                        .build());
                sent = true;
                if (r.hasError() && SqlStates.SCHEMA_BEHIND.equals(r.getError().getSqlState())) {
                    // Another node's fan-out is under way here too: ask the range again where it is.
                    overtaken = true;
                    break;
                }
                if (r.hasError()) {
                    // The first range ran it: only this range's circumstances (unavailable, a
                    // leader change) can fail it here, and the client may send it again.
                    throw new SQLException("the schema change ran in the first data range but range " + range
                            + " did not run change " + change.seq() + " yet (" + r.getError().getSqlState() + ": "
                            + r.getError().getMessage() + "); the next schema change brings it up to date",
                            r.getError().getSqlState());
                }
            }
            if (!overtaken) {
                return sent;
            }
        }
        throw new SQLException("range " + range + " did not reach the schema log's place " + target
                + " while other nodes fanned out their changes; the next schema change brings it up to date",
                SqlStates.UNAVAILABLE);
    }

    /** How far {@code range} has run the schema log. */
    private static long last(Request request, RangeRequests lanes, long range) throws SQLException {
        List<Row> rows = query(request, lanes, range, "SELECT COALESCE(MAX(SEQ), 0) FROM FLOTILLA.SCHEMA_LOG");
        return rows.get(0).getValues(0).getLong();
    }

    /** The changes of the first range's log after place {@code after}, up to {@code upTo}, in order. */
    private static List<Logged> logged(Request request, RangeRequests lanes, long first, long after, long upTo)
            throws SQLException {
        List<Logged> out = new ArrayList<>();
        for (Row row : query(request, lanes, first, "SELECT SEQ, SCHEMA_NAME, SQL FROM FLOTILLA.SCHEMA_LOG WHERE SEQ > "
                + after + " AND SEQ <= " + upTo + " ORDER BY SEQ")) {
            out.add(new Logged(row.getValues(0).getLong(), row.getValues(1).getString(), row.getValues(2).getString()));
        }
        if (out.size() != upTo - after) {
            throw new SQLException("the first data range's schema log holds " + out.size() + " changes after place "
                    + after + ", not " + (upTo - after), "XX001");
        }
        return out;
    }

    /** A read of the range's own bookkeeping, at its leader, all of it in one answer. */
    private static List<Row> query(Request request, RangeRequests lanes, long range, String sql) throws SQLException {
        Response r = lanes.execute(range, Request.newBuilder().setId(request.getId())
                .setFailoverBudgetMillis(request.getFailoverBudgetMillis())
                .setExecute(Execute.newBuilder().setSql(sql).setAutoCommit(true).setFetchSize(Integer.MAX_VALUE)
                        .setConsistency(Consistency.newBuilder().setLevel(Consistency.Level.LINEARIZABLE)))
                .build());
        if (r.hasError()) {
            throw new SQLException("range " + range + ": reading its schema log failed: " + r.getError().getMessage(),
                    r.getError().getSqlState());
        }
        return r.getExecute().getRows().getRowsList();
    }
}
