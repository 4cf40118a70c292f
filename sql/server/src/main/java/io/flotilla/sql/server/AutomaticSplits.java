package io.flotilla.sql.server;

import io.flotilla.protocol.Execute;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.Value;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.Waits;
import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.range.RangeBounds;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.ReplicatedTables;
import io.flotilla.statemachine.range.TableIds;
import io.flotilla.statemachine.range.TableName;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Splits by size and by load (docs/ranges.md, "Split"): once a second, every data range this node
 * leads is weighed. One whose tables hold more rows than the node's {@code --range-max-rows} (as H2
 * counts them) is split at the middle key of its largest table, as a client would split it ({@code
 * ALTER TABLE t SPLIT AT VALUES (...)} on a session of this node's own); one that ran more
 * statements a second than {@code --range-max-qps} over the last ten seconds ({@link RangeLoad}) is
 * split at the middle of the keys those statements named, so that each half takes about half of
 * the load. Either is the same replicated command, with the same refusals, as a manual split. A
 * table the range may not be split inside (a foreign key or unique constraint ties it), or a load
 * split the range refused, is not asked again until the range's span changes.
 */
final class AutomaticSplits implements NodeUpkeep.Chore {

    private static final System.Logger LOG = System.getLogger(AutomaticSplits.class.getName());
    /** Sampled keys a load split needs at least, for its middle to say where the load is. */
    private static final int MIN_KEYS = 16;

    private final Node node;
    private final NodeSessions sessions;
    private final long maxRows;
    private final long maxQps;
    private final RangeLoad load;
    private final Waits waits;
    /** Tables a range refused to split inside, by range, generation and table: not asked again. */
    private final Set<String> refused = new HashSet<>();

    AutomaticSplits(Node node, NodeSessions sessions, RangeLoad load) {
        this.node = node;
        this.sessions = sessions;
        this.maxRows = node.config().rangeMaxRows();
        this.maxQps = node.config().rangeMaxQps();
        this.load = load;
        this.waits = node.environment().waits();
    }

    /** The candidate: the range's largest table, its rows, and the middle key's values. */
    private record Cut(TableName table, long rows, List<Value> middle) {
    }

    @Override
    public void look() {
        for (Map.Entry<Long, RangeReplica> e : node.replicas().entrySet()) {
            RangeReplica replica = e.getValue();
            if (e.getKey() == Node.META_RANGE || !replica.serving() || replica.bounds().isEmpty()) {
                continue;
            }
            try {
                weigh(e.getKey(), replica);
            } catch (SQLException | RuntimeException failure) {
                // The range stopped leading, or closed under the look: the next round looks again.
                LOG.log(System.Logger.Level.DEBUG, "weighing range " + e.getKey() + " failed", failure);
            }
        }
    }

    private void weigh(long range, RangeReplica replica) throws SQLException {
        if (maxRows > 0 && bySize(range, replica)) {
            return;
        }
        if (maxQps > 0) {
            byLoad(range, replica);
        }
    }

    /** Splits the range at its middle of the keys its statements named, if it runs more than the limit. */
    private void byLoad(long range, RangeReplica replica) throws SQLException {
        RangeBounds bounds = replica.bounds().orElseThrow();
        double rate = load.perSecond(range, waits.nanoTime());
        String refusal = range + "/" + bounds.generation() + "/load";
        if (rate <= maxQps || refused.contains(refusal)) {
            return;
        }
        List<Key> keys = new ArrayList<>(load.sampledKeys(range).stream()
                .filter(k -> bounds.span().contains(k) && !k.equals(bounds.span().start())).toList());
        if (keys.size() < MIN_KEYS) {
            return;
        }
        Collections.sort(keys);
        Key middle = keys.get(keys.size() / 2);
        Response answer;
        try (ClientSession session = sessions.own("automatic-splits")) {
            answer = session.splitAt(Request.newBuilder().setId(2).build(), middle);
        }
        if (answer.hasError()) {
            if ("0A000".equals(answer.getError().getSqlState())) {
                refused.add(refusal);
            }
            LOG.log(System.Logger.Level.INFO, "range " + range + " runs " + Math.round(rate) + " statements a second; "
                    + "its split at " + middle + " was refused: " + answer.getError().getMessage());
        } else {
            load.forget(range);
            LOG.log(System.Logger.Level.INFO, "range " + range + " runs " + Math.round(rate) + " statements a second, "
                    + "more than " + maxQps + ": split at " + middle + ", the middle of the keys they named");
        }
    }

    /** Splits the range in its largest table if it holds more rows than the limit; whether it tried. */
    private boolean bySize(long range, RangeReplica replica) throws SQLException {
        RangeBounds bounds = replica.bounds().orElseThrow();
        Optional<Cut> cut;
        try (Connection c = replica.store().connect()) {
            // The count first: the middle key is looked for (a scan of half the table) only in a range too large.
            if (RangeRows.total(c) <= maxRows) {
                return false;
            }
            cut = largest(c, range, bounds.generation());
            if (cut.isEmpty()) {
                return false;
            }
        }
        Cut at = cut.get();
        String sql = "ALTER TABLE " + ReplicatedTables.quote(at.table().schema()) + '.' + ReplicatedTables.quote(at.table().table())
                + " SPLIT AT VALUES (" + "?, ".repeat(at.middle().size() - 1) + "?)";
        Response answer = split(sql, at.middle());
        if (answer.hasError()) {
            if ("0A000".equals(answer.getError().getSqlState())) {
                refused.add(range + "/" + bounds.generation() + "/" + at.table());
            }
            LOG.log(System.Logger.Level.INFO, "range " + range + " holds more than " + maxRows + " rows; its split in "
                    + at.table() + " was refused: " + answer.getError().getMessage());
        } else {
            LOG.log(System.Logger.Level.INFO, "range " + range + " holds more than " + maxRows + " rows: split in "
                    + at.table() + " (" + at.rows() + " rows) at its middle key");
        }
        return true;
    }

    /** The largest table the range has not refused to split, with its middle key; empty if none has two rows. */
    private Optional<Cut> largest(Connection c, long range, long generation) throws SQLException {
        TableName biggest = null;
        long most = 1;
        for (TableName t : TableIds.live(c).keySet()) {
            long rows = RangeRows.of(c, t);
            if (rows > most && !refused.contains(range + "/" + generation + "/" + t)) {
                biggest = t;
                most = rows;
            }
        }
        if (biggest == null) {
            return Optional.empty();
        }
        List<String> key = primaryKey(c, biggest);
        String columns = String.join(", ", key.stream().map(ReplicatedTables::quote).toList());
        try (PreparedStatement ps = c.prepareStatement("SELECT " + columns + " FROM " + ReplicatedTables.quote(biggest.schema()) + '.'
                + ReplicatedTables.quote(biggest.table()) + " ORDER BY " + columns + " OFFSET ? ROWS FETCH NEXT 1 ROW ONLY")) {
            ps.setLong(1, most / 2);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                List<Value> middle = new ArrayList<>();
                for (int i = 1; i <= key.size(); i++) {
                    middle.add(Values.column(rs, i, rs.getMetaData().getColumnType(i)));
                }
                return Optional.of(new Cut(biggest, most, middle));
            }
        }
    }

    private static List<String> primaryKey(Connection c, TableName t) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT IC.COLUMN_NAME FROM INFORMATION_SCHEMA.INDEXES I "
                + "JOIN INFORMATION_SCHEMA.INDEX_COLUMNS IC ON IC.INDEX_SCHEMA = I.INDEX_SCHEMA "
                + "AND IC.INDEX_NAME = I.INDEX_NAME WHERE I.TABLE_SCHEMA = ? AND I.TABLE_NAME = ? "
                + "AND I.INDEX_TYPE_NAME = 'PRIMARY KEY' ORDER BY IC.ORDINAL_POSITION")) {
            ps.setString(1, t.schema());
            ps.setString(2, t.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        if (columns.isEmpty()) {
            throw new SQLException("table " + t + " has no primary key", "XX000");
        }
        return columns;
    }

    /** The split, as a client of this node sends it. */
    private Response split(String sql, List<Value> middle) throws SQLException {
        try (ClientSession session = sessions.own("automatic-splits")) {
            return session.handle(Request.newBuilder().setId(2).setExecute(Execute.newBuilder().setSql(sql)
                    .setAutoCommit(true).addAllParameters(middle)).build());
        }
    }
}
