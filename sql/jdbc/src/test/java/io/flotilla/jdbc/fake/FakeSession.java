package io.flotilla.jdbc.fake;

import io.flotilla.protocol.Ack;
import io.flotilla.protocol.Column;
import io.flotilla.protocol.CommitResult;
import io.flotilla.protocol.Error;
import io.flotilla.protocol.Execute;
import io.flotilla.protocol.ExecuteResult;
import io.flotilla.protocol.HelloResult;
import io.flotilla.protocol.Lsn;
import io.flotilla.protocol.ParameterSet;
import io.flotilla.protocol.Parameter;
import io.flotilla.protocol.Prepared;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.Row;
import io.flotilla.protocol.RowBatch;
import io.flotilla.protocol.UpdateCount;
import io.flotilla.protocol.Value;
import io.flotilla.protocol.wire.Frames;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** TEST ONLY. One client connection of a {@link FakeNode}: an H2 session and its cursors. */
final class FakeSession {
    private static final int DEFAULT_FETCH = 1000;

    private final FakeNode node;
    private final Socket socket;
    private final Map<Long, ResultSet> cursors = new HashMap<>();
    private long nextCursor;
    private Connection h2;
    private String session;

    FakeSession(FakeNode node, Socket socket) {
        this.node = node;
        this.socket = socket;
    }

    void run() {
        try (socket) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            while (true) {
                Request request = Request.parseFrom(Frames.read(in));
                node.requests.add(request);
                if ((request.hasExecute() || request.hasCommit())
                        && node.answerLate.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    Thread.sleep(node.answerDelayMillis);   // the statement's own running time
                }
                Response.Builder response = handle(request);
                if (response == null) {
                    return;   // injected crash: close without answering
                }
                Frames.write(out, response.setId(request.getId()).build().toByteArray());
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | SQLException e) {
            // the client went away, or the test closed the node
        } finally {
            closeH2();
        }
    }

    private Response.Builder handle(Request request) throws SQLException {
        switch (request.getKindCase()) {
            case HELLO:
                session = HexFormat.of().formatHex(request.getHello().getSessionId().toByteArray());
                h2 = DriverManager.getConnection(node.cluster.h2Url);
                HelloResult.Builder hello = HelloResult.newBuilder().setNodeId(node.nodeId).setServerVersion("fake");
                for (FakeNode n : node.cluster.nodes()) {
                    hello.addCluster(n.nodeAddress());
                }
                return Response.newBuilder().setHello(hello);
            case EXECUTE:
            case COMMIT:
                return applying(request);
            case FETCH:
                return Response.newBuilder().setRows(page(request.getFetch().getCursor(),
                        request.getFetch().getFetchSize()));
            case CLOSE_CURSOR: {
                ResultSet rs = cursors.remove(request.getCloseCursor().getCursor());
                if (rs != null) {
                    rs.getStatement().close();
                }
                return ack();
            }
            case ROLLBACK:
                h2.rollback();
                return ack();
            case PING:
                return ack();
            case PREPARE:
                return Response.newBuilder().setPrepared(describe(request.getPrepare().getSql()));
            case CANCEL: {
                Statement running = node.cluster.running.get(session);
                if (running != null) {
                    running.cancel();
                }
                return ack();
            }
            default:
                return error("0A000", "not supported by the fake: " + request.getKindCase(), 0);
        }
    }

    /** Execute and Commit: de-duplicated by sequence, and subject to injected failures. */
    private Response.Builder applying(Request request) {
        if (node.failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return Response.newBuilder().setError(node.injectedError);
        }
        long sequence = request.hasCommit() ? request.getCommit().getSequence() : request.getExecute().getSequence();
        String key = session + "/" + sequence;
        Response.Builder response;
        Response earlier = sequence == 0 ? null : node.cluster.outcomes.get(key);
        if (earlier != null) {
            response = earlier.toBuilder();
        } else {
            try {
                response = request.hasCommit() ? commit() : execute(request.getExecute());
            } catch (SQLException e) {
                response = error(e.getSQLState(), e.getMessage(), e.getErrorCode());
            }
            if (sequence != 0) {
                node.cluster.outcomes.put(key, response.build());
            }
        }
        if (node.dropAfterApplying.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return null;
        }
        return response;
    }

    private Response.Builder commit() throws SQLException {
        h2.commit();
        return Response.newBuilder().setCommit(CommitResult.newBuilder().setLsn(nextLsn()));
    }

    private Response.Builder execute(Execute e) throws SQLException {
        h2.setAutoCommit(e.getAutoCommit());
        PreparedStatement ps = prepare(e);
        node.cluster.running.put(session, ps);
        try {
            if (e.getTimeoutMillis() > 0) {
                ps.setQueryTimeout((e.getTimeoutMillis() + 999) / 1000);
            }
            if (e.getMaxRows() > 0) {
                ps.setMaxRows((int) e.getMaxRows());
            }
            ExecuteResult.Builder result = ExecuteResult.newBuilder();
            if (e.getBatchCount() > 0) {
                for (ParameterSet set : e.getBatchList()) {
                    bind(ps, set.getValuesList());
                    ps.addBatch();
                }
                UpdateCount.Builder u = UpdateCount.newBuilder();
                long total = 0;
                for (long c : ps.executeLargeBatch()) {
                    u.addBatchCounts(c);
                    total += c;
                }
                u.setCount(total);
                keys(ps, e, u);
                ps.close();
                return Response.newBuilder().setExecute(result.setUpdate(u).setLsn(writeLsn(e)));
            }
            bind(ps, e.getParametersList());
            if (ps.execute()) {
                long cursor = ++nextCursor;
                cursors.put(cursor, ps.getResultSet());
                List<Column> columns = columns(ps.getResultSet().getMetaData());
                RowBatch.Builder first = page(cursor, e.getFetchSize()).toBuilder().addAllColumns(columns);
                return Response.newBuilder().setExecute(result.setRows(first).setLsn(readLsn()));
            }
            UpdateCount.Builder u = UpdateCount.newBuilder().setCount(ps.getLargeUpdateCount());
            keys(ps, e, u);
            ps.close();
            return Response.newBuilder().setExecute(result.setUpdate(u).setLsn(writeLsn(e)));
        } catch (SQLException ex) {
            ps.close();
            throw ex;
        } finally {
            node.cluster.running.remove(session, ps);
        }
    }

    private PreparedStatement prepare(Execute e) throws SQLException {
        if (!e.getGeneratedKeys().getWanted()) {
            return h2.prepareStatement(e.getSql());
        }
        if (e.getGeneratedKeys().getColumnNamesCount() > 0) {
            return h2.prepareStatement(e.getSql(), e.getGeneratedKeys().getColumnNamesList().toArray(new String[0]));
        }
        return h2.prepareStatement(e.getSql(), Statement.RETURN_GENERATED_KEYS);
    }

    private static void bind(PreparedStatement ps, List<Value> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            ps.setObject(i + 1, FakeValues.toJava(values.get(i)));
        }
    }

    private static void keys(PreparedStatement ps, Execute e, UpdateCount.Builder u) throws SQLException {
        if (!e.getGeneratedKeys().getWanted()) {
            return;
        }
        try (ResultSet rs = ps.getGeneratedKeys()) {
            RowBatch.Builder b = RowBatch.newBuilder().addAllColumns(columns(rs.getMetaData())).setLast(true);
            addRows(rs, b, Integer.MAX_VALUE);
            u.setGeneratedKeys(b);
        }
    }

    private RowBatch page(long cursor, int fetchSize) throws SQLException {
        ResultSet rs = cursors.get(cursor);
        if (rs == null) {
            throw new SQLException("no cursor " + cursor, "24000");
        }
        RowBatch.Builder b = RowBatch.newBuilder();
        boolean more = addRows(rs, b, fetchSize > 0 ? fetchSize : DEFAULT_FETCH);
        if (more) {
            b.setCursor(cursor);
        } else {
            cursors.remove(cursor);
            rs.getStatement().close();
            b.setLast(true);
        }
        return b.build();
    }

    /** Adds up to max rows; true if the result has more. */
    private static boolean addRows(ResultSet rs, RowBatch.Builder b, int max) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int n = 0;
        while (n < max) {
            if (!rs.next()) {
                return false;
            }
            Row.Builder row = Row.newBuilder();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                row.addValues(FakeValues.column(rs, i, md.getColumnType(i)));
            }
            b.addRows(row);
            n++;
        }
        return !rs.isAfterLast() && !rs.isLast();
    }

    private Prepared describe(String sql) throws SQLException {
        try (PreparedStatement ps = h2.prepareStatement(sql)) {
            Prepared.Builder out = Prepared.newBuilder();
            if (ps.getMetaData() != null) {
                out.addAllColumns(columns(ps.getMetaData()));
            }
            java.sql.ParameterMetaData pm = ps.getParameterMetaData();
            for (int i = 1; i <= pm.getParameterCount(); i++) {
                out.addParameters(Parameter.newBuilder().setJdbcType(pm.getParameterType(i))
                        .setTypeName(pm.getParameterTypeName(i)).setNullable(pm.isNullable(i))
                        .setClassName(pm.getParameterClassName(i)));
            }
            return out.build();
        }
    }

    private static List<Column> columns(ResultSetMetaData md) throws SQLException {
        Column[] cols = new Column[md.getColumnCount()];
        for (int i = 1; i <= cols.length; i++) {
            cols[i - 1] = Column.newBuilder().setName(md.getColumnName(i)).setLabel(md.getColumnLabel(i))
                    .setJdbcType(md.getColumnType(i)).setTypeName(md.getColumnTypeName(i))
                    .setPrecision(md.getPrecision(i)).setScale(md.getScale(i)).setNullable(md.isNullable(i))
                    .setSchema(md.getSchemaName(i)).setTable(md.getTableName(i))
                    .setAutoIncrement(md.isAutoIncrement(i)).setDisplaySize(md.getColumnDisplaySize(i))
                    .setClassName(md.getColumnClassName(i)).build();
        }
        return List.of(cols);
    }

    private Lsn writeLsn(Execute e) {
        return e.getAutoCommit() ? nextLsn() : readLsn();
    }

    private Lsn nextLsn() {
        return Lsn.newBuilder().setRange(FakeCluster.RANGE).setIndex(node.cluster.logIndex.incrementAndGet()).build();
    }

    private Lsn readLsn() {
        return Lsn.newBuilder().setRange(FakeCluster.RANGE).setIndex(node.cluster.logIndex.get()).build();
    }

    private static Response.Builder ack() {
        return Response.newBuilder().setAck(Ack.getDefaultInstance());
    }

    private static Response.Builder error(String state, String message, int code) {
        return Response.newBuilder().setError(Error.newBuilder().setSqlState(state == null ? "HY000" : state)
                .setMessage(message == null ? "" : message).setVendorCode(code));
    }

    private void closeH2() {
        if (h2 == null) {
            return;
        }
        try {
            h2.rollback();   // a transaction dies with its connection
        } catch (SQLException ignored) {
            // closing anyway
        }
        try {
            h2.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }
}
