package io.flotilla.jdbc;

import io.flotilla.protocol.Execute;
import io.flotilla.protocol.ExecuteResult;
import io.flotilla.protocol.RowBatch;
import io.flotilla.protocol.UpdateCount;
import io.flotilla.protocol.wire.SqlStates;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A statement: each execute is one Execute request; results are a result set or an update count. */
public class FlotillaStatement implements SelfWrapper, Statement {
    protected final FlotillaConnection connection;
    private volatile boolean closed;
    private int fetchSize;
    private long maxRows;
    private int queryTimeoutSeconds;
    private int maxFieldSize;
    private ConsistencySetting consistency;
    private FlotillaResultSet resultSet;
    private long updateCount = -1;
    private RowBatch generatedKeys;
    private long generatedKeysEpoch;
    private final List<String> batch = new ArrayList<>();
    private boolean closeOnCompletion;
    private boolean poolable;
    private volatile boolean executing;

    FlotillaStatement(FlotillaConnection connection) {
        this.connection = connection;
    }

    /**
     * Overrides the connection's read consistency for this statement's reads outside
     * transactions: linearizable, session, stale or bounded:&lt;millis&gt;; null restores the default.
     */
    public void setConsistency(String level) throws SQLException {
        checkOpen();
        consistency = level == null ? null : ConsistencySetting.parse(level);
    }

    public String getConsistency() {
        return consistency == null ? connection.getConsistency() : consistency.toString();
    }

    // ---------------------------------------------------------------- execution core

    /** Runs one Execute and keeps its outcome; true if it produced a result set. */
    boolean run(Execute.Builder execute, GeneratedKeyRequest keys) throws SQLException {
        checkOpen();
        closeResults();
        execute.setFetchSize(effectiveFetchSize()).setMaxRows(maxRows).setTimeoutMillis(timeoutMillis());
        if (keys != null) {
            execute.setGeneratedKeys(keys.toProtocol());
        }
        FlotillaConnection.Executed executed;
        executing = true;
        try {
            executed = connection.execute(execute, consistency, timeoutMillis());
        } finally {
            executing = false;
        }
        ExecuteResult result = executed.result();
        if (result.hasRows()) {
            resultSet = new FlotillaResultSet(this, connection, result.getRows(), executed.epoch(), effectiveFetchSize());
            return true;
        }
        UpdateCount update = result.getUpdate();
        updateCount = update.getCount();
        if (update.hasGeneratedKeys()) {
            generatedKeys = update.getGeneratedKeys();
            generatedKeysEpoch = executed.epoch();
        }
        lastBatchCounts = update.getBatchCountsList();
        return false;
    }

    /** The per-row counts of the last batch Execute. */
    protected List<Long> lastBatchCounts = List.of();

    private int timeoutMillis() {
        return (int) Math.min(Integer.MAX_VALUE, queryTimeoutSeconds * 1000L);
    }

    int effectiveFetchSize() {
        return fetchSize > 0 ? fetchSize : connection.defaultFetchSize();
    }

    static Execute.Builder executeOf(String sql) throws SQLException {
        if (sql == null) {
            throw new SQLException("SQL is null", SqlStates.INVALID_PARAMETER_VALUE);
        }
        return Execute.newBuilder().setSql(sql);
    }

    protected ResultSet requireResultSet(boolean hasResultSet) throws SQLException {
        if (!hasResultSet) {
            throw new SQLException("the statement did not produce a result set; use executeUpdate or execute",
                    SqlStates.GENERAL_ERROR);
        }
        return resultSet;
    }

    protected long requireUpdateCount(boolean hasResultSet) throws SQLException {
        if (hasResultSet) {
            closeResults();
            throw new SQLException("the statement produced a result set; use executeQuery or execute",
                    SqlStates.GENERAL_ERROR);
        }
        return updateCount;
    }

    // ---------------------------------------------------------------- Statement

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        return requireResultSet(run(executeOf(sql), null));
    }

    @Override
    public int executeUpdate(String sql) throws SQLException {
        return toInt(executeLargeUpdate(sql));
    }

    @Override
    public long executeLargeUpdate(String sql) throws SQLException {
        return requireUpdateCount(run(executeOf(sql), null));
    }

    @Override
    public int executeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
        return toInt(executeLargeUpdate(sql, autoGeneratedKeys));
    }

    @Override
    public long executeLargeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
        return requireUpdateCount(run(executeOf(sql), keysFor(autoGeneratedKeys)));
    }

    @Override
    public int executeUpdate(String sql, int[] columnIndexes) throws SQLException {
        throw keysByIndexUnsupported();
    }

    @Override
    public long executeLargeUpdate(String sql, int[] columnIndexes) throws SQLException {
        throw keysByIndexUnsupported();
    }

    @Override
    public int executeUpdate(String sql, String[] columnNames) throws SQLException {
        return toInt(executeLargeUpdate(sql, columnNames));
    }

    @Override
    public long executeLargeUpdate(String sql, String[] columnNames) throws SQLException {
        return requireUpdateCount(run(executeOf(sql), GeneratedKeyRequest.of(columnNames)));
    }

    @Override
    public boolean execute(String sql) throws SQLException {
        return run(executeOf(sql), null);
    }

    @Override
    public boolean execute(String sql, int autoGeneratedKeys) throws SQLException {
        return run(executeOf(sql), keysFor(autoGeneratedKeys));
    }

    @Override
    public boolean execute(String sql, int[] columnIndexes) throws SQLException {
        throw keysByIndexUnsupported();
    }

    @Override
    public boolean execute(String sql, String[] columnNames) throws SQLException {
        return run(executeOf(sql), GeneratedKeyRequest.of(columnNames));
    }

    static GeneratedKeyRequest keysFor(int autoGeneratedKeys) throws SQLException {
        if (autoGeneratedKeys == RETURN_GENERATED_KEYS) {
            return GeneratedKeyRequest.DEFAULT;
        }
        if (autoGeneratedKeys == NO_GENERATED_KEYS) {
            return null;
        }
        throw new SQLException("bad autoGeneratedKeys value " + autoGeneratedKeys, SqlStates.INVALID_PARAMETER_VALUE);
    }

    static SQLFeatureNotSupportedException keysByIndexUnsupported() {
        return new SQLFeatureNotSupportedException(
                "generated keys by column index: the protocol names key columns; use column names");
    }

    /** Statements of a batch run one by one, each as its own Execute, in order. */
    @Override
    public void addBatch(String sql) throws SQLException {
        checkOpen();
        batch.add(executeOf(sql).getSql());
    }

    @Override
    public void clearBatch() throws SQLException {
        checkOpen();
        batch.clear();
    }

    @Override
    public int[] executeBatch() throws SQLException {
        long[] counts = executeLargeBatch();
        int[] result = new int[counts.length];
        for (int i = 0; i < counts.length; i++) {
            result[i] = toInt(counts[i]);
        }
        return result;
    }

    @Override
    public long[] executeLargeBatch() throws SQLException {
        checkOpen();
        List<String> statements = new ArrayList<>(batch);
        batch.clear();
        long[] counts = new long[statements.size()];
        for (int i = 0; i < statements.size(); i++) {
            try {
                if (run(executeOf(statements.get(i)), null)) {
                    closeResults();
                    throw new SQLException("a batch statement produced a result set: " + statements.get(i),
                            SqlStates.GENERAL_ERROR);
                }
                counts[i] = updateCount;
            } catch (SQLException e) {
                throw batchFailed(e, Arrays.copyOf(counts, i));
            }
        }
        updateCount = -1;
        return counts;
    }

    static BatchUpdateException batchFailed(SQLException e, long[] doneCounts) {
        return new BatchUpdateException(e.getMessage(), e.getSQLState(), e.getErrorCode(), doneCounts, e);
    }

    @Override
    public ResultSet getGeneratedKeys() throws SQLException {
        checkOpen();
        RowBatch keys = generatedKeys;
        generatedKeys = null;
        if (keys == null) {
            return FlotillaResultSet.local(RowBatch.newBuilder().setLast(true).build());
        }
        return new FlotillaResultSet(null, connection, keys, generatedKeysEpoch, effectiveFetchSize());
    }

    @Override
    public ResultSet getResultSet() throws SQLException {
        checkOpen();
        return resultSet;
    }

    @Override
    public int getUpdateCount() throws SQLException {
        return toInt(getLargeUpdateCount());
    }

    @Override
    public long getLargeUpdateCount() throws SQLException {
        checkOpen();
        return updateCount;
    }

    /** One Execute yields one result: after it there are no more. */
    @Override
    public boolean getMoreResults() throws SQLException {
        return getMoreResults(CLOSE_CURRENT_RESULT);
    }

    @Override
    public boolean getMoreResults(int current) throws SQLException {
        checkOpen();
        if (current != KEEP_CURRENT_RESULT && resultSet != null) {
            resultSet.close();
        }
        resultSet = null;
        updateCount = -1;
        return false;
    }

    @Override
    public void cancel() throws SQLException {
        checkOpen();
        if (executing) {
            connection.cancelRunningStatement();
        }
    }

    @Override
    public void setQueryTimeout(int seconds) throws SQLException {
        checkOpen();
        if (seconds < 0) {
            throw new SQLException("negative query timeout", SqlStates.INVALID_PARAMETER_VALUE);
        }
        queryTimeoutSeconds = seconds;
    }

    @Override
    public int getQueryTimeout() throws SQLException {
        checkOpen();
        return queryTimeoutSeconds;
    }

    @Override
    public void setFetchSize(int rows) throws SQLException {
        checkOpen();
        if (rows < 0) {
            throw new SQLException("negative fetch size", SqlStates.INVALID_PARAMETER_VALUE);
        }
        fetchSize = rows;
    }

    @Override
    public int getFetchSize() throws SQLException {
        checkOpen();
        return effectiveFetchSize();
    }

    @Override
    public void setMaxRows(int max) throws SQLException {
        setLargeMaxRows(max);
    }

    @Override
    public void setLargeMaxRows(long max) throws SQLException {
        checkOpen();
        if (max < 0) {
            throw new SQLException("negative max rows", SqlStates.INVALID_PARAMETER_VALUE);
        }
        maxRows = max;
    }

    @Override
    public int getMaxRows() throws SQLException {
        return toInt(getLargeMaxRows());
    }

    @Override
    public long getLargeMaxRows() throws SQLException {
        checkOpen();
        return maxRows;
    }

    /** Accepted and reported, not enforced: the protocol carries whole values. */
    @Override
    public void setMaxFieldSize(int max) throws SQLException {
        checkOpen();
        if (max < 0) {
            throw new SQLException("negative max field size", SqlStates.INVALID_PARAMETER_VALUE);
        }
        maxFieldSize = max;
    }

    @Override
    public int getMaxFieldSize() throws SQLException {
        checkOpen();
        return maxFieldSize;
    }

    /** The server parses H2 SQL, escapes included; nothing to switch on the client. */
    @Override
    public void setEscapeProcessing(boolean enable) throws SQLException {
        checkOpen();
    }

    @Override
    public void setCursorName(String name) throws SQLException {
        throw new SQLFeatureNotSupportedException("named cursors are not supported");
    }

    @Override
    public void setFetchDirection(int direction) throws SQLException {
        checkOpen();
        if (direction != ResultSet.FETCH_FORWARD) {
            throw new SQLFeatureNotSupportedException("only FETCH_FORWARD is supported");
        }
    }

    @Override
    public int getFetchDirection() throws SQLException {
        checkOpen();
        return ResultSet.FETCH_FORWARD;
    }

    @Override
    public int getResultSetConcurrency() throws SQLException {
        checkOpen();
        return ResultSet.CONCUR_READ_ONLY;
    }

    @Override
    public int getResultSetType() throws SQLException {
        checkOpen();
        return ResultSet.TYPE_FORWARD_ONLY;
    }

    @Override
    public int getResultSetHoldability() throws SQLException {
        checkOpen();
        return ResultSet.CLOSE_CURSORS_AT_COMMIT;
    }

    @Override
    public Connection getConnection() throws SQLException {
        checkOpen();
        return connection;
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        checkOpen();
        return null;
    }

    @Override
    public void clearWarnings() throws SQLException {
        checkOpen();
    }

    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            closeResults();
        } finally {
            connection.statementClosed(this);
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void setPoolable(boolean poolable) throws SQLException {
        checkOpen();
        this.poolable = poolable;
    }

    @Override
    public boolean isPoolable() throws SQLException {
        checkOpen();
        return poolable;
    }

    @Override
    public void closeOnCompletion() throws SQLException {
        checkOpen();
        closeOnCompletion = true;
    }

    @Override
    public boolean isCloseOnCompletion() throws SQLException {
        checkOpen();
        return closeOnCompletion;
    }

    /** Called by the statement's result set when it closes. */
    void resultSetClosed(FlotillaResultSet rs) throws SQLException {
        if (rs == resultSet) {
            resultSet = null;
            if (closeOnCompletion && !closed) {
                close();
            }
        }
    }



    protected void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLException("statement is closed", SqlStates.GENERAL_ERROR);
        }
        if (connection.isClosed()) {
            throw new SQLException("connection is closed", SqlStates.CONNECTION_DOES_NOT_EXIST);
        }
    }

    protected void closeResults() throws SQLException {
        FlotillaResultSet rs = resultSet;
        resultSet = null;
        updateCount = -1;
        generatedKeys = null;
        lastBatchCounts = List.of();
        if (rs != null) {
            rs.closeQuietlyForStatement();
        }
    }

    static int toInt(long n) {
        return (int) Math.min(Integer.MAX_VALUE, n);
    }
}
