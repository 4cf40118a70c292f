package io.flotilla.sql.server;

import io.flotilla.protocol.CommitHoldId;
import io.flotilla.protocol.Consistency;
import io.flotilla.protocol.Execute;
import io.flotilla.protocol.ExecuteResult;
import io.flotilla.protocol.Fetch;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.Row;
import io.flotilla.protocol.RowBatch;
import io.flotilla.protocol.Value;
import io.flotilla.sql.node.Waits;
import io.flotilla.statemachine.keys.KeyEncoding;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.range.PartConditions;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.ReplicatedTables;
import io.flotilla.statemachine.range.SqlStates;
import io.flotilla.statemachine.range.TableName;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * A query whose keys lie in more than one range (docs/ranges.md, "Statements across ranges"): the
 * node that received it asks each range for its part of every table the query reads (each at the
 * consistency the client asked for, from the range's leader or a replica that may serve it), loads
 * the rows into a private H2 database with the same schema ({@link GatewayDatabases}), and lets H2
 * run the query there. Joins, aggregates, {@code ORDER BY}, {@code LIMIT}, subqueries and functions
 * are H2's own: the answer is the one H2 gives over the same rows.
 *
 * <p>A range answers for its part only while its bounds are at the generation this node planned
 * with; one that split since answers {@code 08F04}, and the node plans the query again. The rows of
 * a query are gathered in the node's memory, up to {@link #MAX_ROWS}; the answer comes back whole,
 * in one batch.
 *
 * <p>At the default (linearizable) consistency the parts are the ranges at one moment (the cut of
 * docs/ranges.md, "Isolation across ranges"): each range's part is read one after another, and then
 * {@link CutCheck} asks every range whether it applied anything since its part was read, and what it
 * holds prepared; if one did, or a transaction across ranges may be resolved in one range read and
 * not another, the parts are read again (at most {@link #CUT_ATTEMPTS} times, then 40001): in the
 * second case once that range resolved it; after {@link #UNHELD_ATTEMPTS} tries that found a range
 * moved, holding each range's commits where they are (for at most {@link #HOLD_MILLIS}), so that
 * ranges under steady writes stand still while it reads. A read that may be served stale reads each
 * range at its own moment.
 */
final class SpanningRead {

    /** The most rows a query across ranges may gather; one that needs more fails (54000). */
    static final long MAX_ROWS = 1_000_000;
    /** Rows asked of a range at a time. */
    private static final int PAGE = 10_000;

    /** Reads of all the parts before the query gives up on finding them at one moment (40001). */
    static final int CUT_ATTEMPTS = 12;
    /** Reads in a row that found a range moved before the next ones hold the ranges' commits while they read. */
    static final int UNHELD_ATTEMPTS = 2;
    /** The longest a read waits for a transaction's resolve in a range before it reads again anyway. */
    private static final long RESOLVE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The longest a read holds a range's commits: writes there wait at most this long for it. */
    static final int HOLD_MILLIS = 500;
    /** A range whose parts were read at different positions: never one moment. */
    static final long MIXED = -1;

    private final GatewayDatabases databases;
    private final Waits waits;
    private final RandomGenerator random;

    SpanningRead(GatewayDatabases databases, Waits waits, RandomGenerator random) {
        this.databases = databases;
        this.waits = waits;
        this.random = random;
    }

    /**
     * Runs {@code request}'s query across the ranges of {@code across}. Each range is asked for
     * its part of a table whole, or only for the rows that pass the conditions H2's plan looks the
     * table up by ({@link PartConditions}: a key range across a split reads that key range).
     *
     * @param planner the session's statements on a replica here: its schema and table ids
     * @return the answer, or the error of a range (08F04 when a range's span moved since planning)
     */
    Response run(Request request, RangePlanner.AcrossRanges across, RangeStatements planner, SessionSettings settings,
                 RangeRequests lanes) throws SQLException {
        RangeReplica replica = planner.replica();
        Map<Long, TableName> names = new HashMap<>();
        replica.tableIds().forEach((name, id) -> names.put(id, name));
        Map<Long, List<KeySpan>> spansByTable = new TreeMap<>();
        for (KeySpan span : across.keys().reads()) {
            spansByTable.computeIfAbsent(KeyEncoding.tableIdOf(span.start()), t -> new ArrayList<>()).add(span);
        }
        Map<Long, PartConditions.Condition> conditions = planner.partConditions(request.getExecute());
        // Reads at the leaders are read at one moment (the cut); reads that may be served stale are not.
        boolean cut = request.getExecute().getConsistency().getLevel() == Consistency.Level.LINEARIZABLE;
        GatewayDatabases.Gateway gateway = databases.borrow(replica);
        try (Connection c = gateway.connect()) {
            settings.applyTo(c);
            c.setAutoCommit(false);
            Set<Long> read = Set.of();
            int moved = 0;
            for (int attempt = 1; ; attempt++) {
                Map<Long, Long> readAt = new TreeMap<>();
                CutCheck.Verdict verdict;
                Map<Long, CommitHoldId> holds = new TreeMap<>();
                try {
                    if (cut && moved >= UNHELD_ATTEMPTS) {
                        // The ranges kept moving under the reads: hold them still this time.
                        CutCheck.hold(read, HOLD_MILLIS, lanes, request, holds);
                    }
                    Optional<Response> failed = gather(c, request, across.layout(), spansByTable, names, conditions,
                            lanes, readAt);
                    if (failed.isPresent()) {
                        return failed.get();
                    }
                    if (!cut) {
                        break;
                    }
                    verdict = CutCheck.of(readAt, lanes, request);
                } finally {
                    CutCheck.release(holds, lanes, request);
                }
                if (verdict instanceof CutCheck.Verdict.Whole) {
                    break;
                }
                read = readAt.keySet();
                c.rollback();
                String why = verdict instanceof CutCheck.Verdict.Moved m ? m.why()
                        : ((CutCheck.Verdict.Unresolved) verdict).why();
                if (attempt == CUT_ATTEMPTS) {
                    throw new SQLException("the query's " + readAt.size() + " ranges kept changing while it read them: "
                            + "no moment at which all of them were read after " + CUT_ATTEMPTS + " tries (last: "
                            + why + "); retry", SqlStates.ROLLED_BACK);
                }
                if (verdict instanceof CutCheck.Verdict.Unresolved u) {
                    // Read again once that range applied the resolve, not before (and not under a hold,
                    // which would keep the resolve out).
                    CutCheck.awaitResolved(u.range(), u.txn(), lanes, request, waits, RESOLVE_WAIT_NANOS);
                } else {
                    moved++;
                    pause(attempt);
                }
            }
            return Response.newBuilder().setId(request.getId())
                    .setExecute(ExecuteResult.newBuilder().setRows(query(c, request.getExecute()))).build();
        } finally {
            databases.giveBack(gateway, replica);
        }
    }

    /**
     * Loads every range's part of every table into the query database; {@code readAt} gets, for
     * each range, the position its parts were read at ({@link #MIXED} when its parts were read at
     * different ones).
     *
     * @return the error a range answered, if one did
     */
    private static Optional<Response> gather(Connection c, Request request, RangeMap.Layout layout,
                                   Map<Long, List<KeySpan>> spansByTable, Map<Long, TableName> names,
                                   Map<Long, PartConditions.Condition> conditions, RangeRequests lanes,
                                   Map<Long, Long> readAt) throws SQLException {
        long gathered = 0;
        for (Map.Entry<Long, List<KeySpan>> table : spansByTable.entrySet()) {
            TableName name = names.get(table.getKey());
            if (name == null) {
                throw new SQLException("table " + table.getKey() + " was dropped or renamed while the query was "
                        + "planned; run it again", SqlStates.UNAVAILABLE);
            }
            List<String> columns = loadedColumns(c, name);
            try (PreparedStatement insert = c.prepareStatement(insertSql(name, columns))) {
                for (RangeMap.Placed part : parts(layout, table.getValue())) {
                    Request ask = partRequest(request, part, name, columns, conditions.get(table.getKey()));
                    Response answer = lanes.execute(part.range(), ask);
                    if (!answer.hasError()) {
                        long at = answer.getExecute().getPartLsn().getIndex();
                        readAt.merge(part.range(), at, (was, now) -> was.equals(now) ? was : MIXED);
                    }
                    while (true) {
                        if (answer.hasError()) {
                            return Optional.of(answer);
                        }
                        RowBatch rows = answer.hasExecute() ? answer.getExecute().getRows() : answer.getRows();
                        try {
                            gathered += load(insert, rows);
                            if (gathered > MAX_ROWS) {
                                throw new SQLException("the query reads more than " + MAX_ROWS + " rows across "
                                        + "ranges, more than a node gathers for one query", SqlStates.LIMIT_EXCEEDED);
                            }
                        } catch (SQLException e) {
                            if (!rows.getLast() && rows.getCursor() != 0) {
                                // The rest of the part is not wanted: its cursor (and the read's transaction
                                // at the range) ends now, not with the session's next statement there.
                                lanes.closeCursor(part.range(), request, rows.getCursor());
                            }
                            throw e;
                        }
                        if (rows.getLast() || rows.getCursor() == 0) {
                            break;
                        }
                        answer = lanes.fetch(part.range(), Request.newBuilder().setId(request.getId())
                                .setFailoverBudgetMillis(request.getFailoverBudgetMillis())
                                .setFetch(Fetch.newBuilder().setCursor(rows.getCursor()).setFetchSize(PAGE)).build());
                    }
                }
            }
        }
        return Optional.empty();
    }

    private void pause(int attempt) throws SQLException {
        try {
            // 1, 2, 4 ... 32 ms, jittered: a transaction across ranges resolves within a few rounds.
            long millis = 1L << Math.min(attempt - 1, 5);
            waits.sleep(TimeUnit.MILLISECONDS.toNanos(millis) + random.nextLong(TimeUnit.MILLISECONDS.toNanos(millis)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", SqlStates.UNAVAILABLE, e);
        }
    }

    /**
     * The ranges that hold keys of the spans, each once, in key order.
     *
     * @throws SQLException 08F02 when a key of a span has no range in the layout (a split's new
     *         range not open here yet)
     */
    private static List<RangeMap.Placed> parts(RangeMap.Layout layout, List<KeySpan> spans) throws SQLException {
        Map<Long, RangeMap.Placed> parts = new LinkedHashMap<>();
        for (KeySpan span : spans) {
            List<RangeMap.Placed> over = layout.overlapping(span);
            // Every key of the span must be held: the ranges, in key order, leave no gap in it.
            var at = span.start();
            for (RangeMap.Placed p : over) {
                if (p.span().start().compareTo(at) > 0) {
                    break;
                }
                at = p.span().end();
                parts.putIfAbsent(p.range(), p);
                if (at == null || (span.end() != null && at.compareTo(span.end()) >= 0)) {
                    break;
                }
            }
            if (at != null && (span.end() == null || at.compareTo(span.end()) < 0)) {
                throw new SQLException("no range on this node holds key " + at + " yet (a split is under way); retry",
                        SqlStates.UNAVAILABLE);
            }
        }
        List<RangeMap.Placed> ordered = new ArrayList<>(parts.values());
        ordered.sort((a, b) -> a.span().start().compareTo(b.span().start()));
        return ordered;
    }

    private static Request partRequest(Request request, RangeMap.Placed part, TableName table, List<String> columns,
                                       PartConditions.Condition condition) {
        Execute e = request.getExecute();
        String sql = "SELECT " + String.join(", ", columns.stream().map(ReplicatedTables::quote).toList()) + " FROM "
                + ReplicatedTables.quote(table.schema()) + '.' + ReplicatedTables.quote(table.table())
                + (condition == null ? "" : " WHERE " + condition.sql());
        // The conditions' ?n are the query's own parameters.
        List<Value> parameters = condition == null ? List.of() : e.getParametersList().subList(0, condition.parameters());
        return Request.newBuilder().setId(request.getId()).setFailoverBudgetMillis(request.getFailoverBudgetMillis())
                .setRange(part.range())
                .setExecute(Execute.newBuilder().setSql(sql).setAutoCommit(true).setConsistency(e.getConsistency())
                        .addAllParameters(parameters)
                        .setFetchSize(PAGE).setTimeoutMillis(e.getTimeoutMillis()).setPartGeneration(part.generation()))
                .build();
    }

    /** The columns a row is loaded by: all but computed ones, which the database computes again. */
    private static List<String> loadedColumns(Connection c, TableName table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS "
                + "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND IS_GENERATED = 'NEVER' ORDER BY ORDINAL_POSITION")) {
            ps.setString(1, table.schema());
            ps.setString(2, table.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        if (columns.isEmpty()) {
            throw new SQLException("table " + table + " is not in the query database's schema", "XX000");
        }
        return columns;
    }

    private static String insertSql(TableName table, List<String> columns) {
        // OVERRIDING SYSTEM VALUE: identity columns take the values the range holds.
        return "INSERT INTO " + ReplicatedTables.quote(table.schema()) + '.' + ReplicatedTables.quote(table.table()) + '('
                + String.join(", ", columns.stream().map(ReplicatedTables::quote).toList())
                + ") OVERRIDING SYSTEM VALUE VALUES (" + "?, ".repeat(columns.size() - 1) + "?)";
    }


    private static int load(PreparedStatement insert, RowBatch rows) throws SQLException {
        for (Row row : rows.getRowsList()) {
            List<Value> values = row.getValuesList();
            for (int i = 0; i < values.size(); i++) {
                Object o = Values.toJava(values.get(i));
                if (o == null) {
                    insert.setNull(i + 1, Types.NULL);
                } else {
                    insert.setObject(i + 1, o);
                }
            }
            insert.addBatch();
        }
        if (rows.getRowsCount() > 0) {
            insert.executeBatch();
        }
        return rows.getRowsCount();
    }

    /** The client's query over the loaded rows, its whole answer in one batch. */
    private static RowBatch query(Connection c, Execute e) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(e.getSql())) {
            RangeStatements.configure(ps, e);
            ResultSet rs = ps.executeQuery();
            try (Cursor all = new Cursor(0, ps, rs)) {
                return all.page(Cursor.columns(rs.getMetaData()), Integer.MAX_VALUE).build();
            }
        }
    }
}
