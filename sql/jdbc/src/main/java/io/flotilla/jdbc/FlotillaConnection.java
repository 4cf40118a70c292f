package io.flotilla.jdbc;

import io.flotilla.protocol.Cancel;
import io.flotilla.protocol.CloseCursor;
import io.flotilla.protocol.Commit;
import io.flotilla.protocol.Consistency;
import io.flotilla.protocol.Error;
import io.flotilla.protocol.Execute;
import io.flotilla.protocol.ExecuteResult;
import io.flotilla.protocol.Fetch;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.Lsn;
import io.flotilla.protocol.Ping;
import io.flotilla.protocol.Prepare;
import io.flotilla.protocol.Prepared;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.SessionSetting;
import io.flotilla.protocol.Rollback;
import io.flotilla.protocol.RowBatch;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.protocol.wire.NodeConnection;
import io.flotilla.protocol.wire.NodeConnectionException;
import io.flotilla.protocol.wire.SqlErrors;
import io.flotilla.protocol.wire.SqlStates;
import com.google.protobuf.ByteString;
import java.security.SecureRandom;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.ClientInfoStatus;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A JDBC session with a Flotilla cluster. It survives node failures: outside a transaction a
 * request is resent, unchanged, to another node; inside one the transaction is reported lost
 * (40001), and a commit cut off before its answer is reported as "outcome unknown" (40003).
 *
 * <p>Writes outside a transaction, and commits, carry the session's next sequence number, which
 * with the session id lets the nodes apply a resent write exactly once.
 */
public class FlotillaConnection implements SelfWrapper, Connection {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String url;
    private final DriverConfig config;
    private final NodeChannel channel;
    private final LsnTracker lsns = new LsnTracker();
    private final Set<FlotillaStatement> statements = ConcurrentHashMap.newKeySet();

    private volatile ConsistencySetting consistency;
    private boolean autoCommit = true;
    /** A statement of the current transaction reached a node: from now on it cannot move. */
    private boolean transactionOpen;
    /** The last sequence number used by a write or commit of this session. */
    private long sequence;
    /** When the range last answered a write of this session (wall clock): it keeps the session from then on. */
    private long lastRecordedWriteMillis;
    private int isolation = TRANSACTION_READ_COMMITTED;
    /**
     * The session's settings (schema, isolation, time zone, search path), by JDBC call or by
     * statement, the last of each kind: a node keeps them only for the link they were made on, so
     * every new link gets them again.
     */
    private final Map<SessionSetting, String> settings = new EnumMap<>(SessionSetting.class);
    private boolean readOnly;
    private int savepoints;
    private volatile boolean closed;
    private SQLWarning warnings;
    /** The catalog name, once asked (see catalogName). */
    private volatile String catalog;
    private Map<String, Class<?>> typeMap = new HashMap<>();
    private final Properties clientInfo = new Properties();

    FlotillaConnection(String url, DriverConfig config) throws SQLException {
        this.url = url;
        this.config = config;
        this.consistency = config.consistency();
        lsns.observe(consistency.atLeast());
        this.readOnly = config.readOnly();
        this.channel = new NodeChannel(config, newSessionId(), this::prepareLink);
        channel.link();
    }

    // ---------------------------------------------------------------- Flotilla-specific API

    /**
     * Changes the read consistency of this connection's reads outside transactions:
     * linearizable, session, stale, bounded:&lt;millis&gt; or lsn:&lt;token&gt;.
     */
    public void setConsistency(String level) throws SQLException {
        checkOpen();
        ConsistencySetting parsed = ConsistencySetting.parse(level);
        lsns.observe(parsed.atLeast());
        this.consistency = parsed;
    }

    public String getConsistency() {
        return consistency.toString();
    }

    /** The highest log index this session has seen for the range (its session token), 0 if none. */
    public long getHighestLsn(long range) {
        return lsns.highest(range);
    }

    /**
     * This session's LSN token after its last write (or read that returned one), {@code <range>:<index>};
     * null before any. Handed to another session or process ({@link #observeLsnToken}, or
     * {@code consistency=lsn:<token>}), it makes that one's session reads on any replica see this
     * session's writes. Also {@code getClientInfo("flotilla.lsn")}.
     */
    public String getLsnToken() {
        Lsn latest = lsns.latest();
        return latest == null ? null : LsnToken.format(latest);
    }

    /**
     * Takes another session's LSN token: from now on this connection's session and lsn reads are
     * served only by replicas that applied it. Also {@code setClientInfo("flotilla.lsn", token)}.
     */
    public void observeLsnToken(String token) throws SQLException {
        checkOpen();
        lsns.observe(LsnToken.parse(token));
    }

    // Addresses leave the driver as text: the wire's HostAddress is relocated inside the driver
    // jar, so it is no type an application could name.

    /**
     * Every node this connection may fail over to, as {@code host:port} ({@code [ipv6]:port}) the
     * way a URL names them: the URL's, then those the cluster reported.
     */
    public List<String> getKnownNodes() {
        return channel.knownHosts().stream().map(HostAddress::toString).toList();
    }

    /**
     * The node the connection is talking to now, as {@code host:port} ({@code [ipv6]:port}), or
     * null between a failure and the next request.
     */
    public String getCurrentNode() {
        HostAddress node = channel.linkAddress();
        return node == null ? null : node.toString();
    }

    // ---------------------------------------------------------------- used by statements and result sets

    int defaultFetchSize() {
        return config.fetchSize();
    }

    /** Whether metadata name the product H2 (the {@code productName=H2} option). */
    boolean productIsH2() {
        return config.productH2();
    }

    long linkEpoch() {
        return channel.epoch();
    }

    /**
     * Runs one Execute. Outside a transaction writes get the next sequence number and reads the
     * consistency level; the whole request is resent unchanged after a failover.
     */
    /** An Execute's answer and the link epoch it came from (its cursor lives on that link). */
    record Executed(ExecuteResult result, long epoch) {
    }

    synchronized Executed execute(Execute.Builder execute, ConsistencySetting statementConsistency,
                                       int timeoutMillis) throws SQLException {
        checkOpen();
        execute.setAutoCommit(autoCommit);
        boolean retryable;
        if (autoCommit) {
            if (SqlText.isRead(execute.getSql())) {
                execute.setConsistency(consistencyFor(statementConsistency));
            } else {
                renewSessionIfForgotten();
                execute.setSequence(++sequence);
            }
            retryable = true;
        } else {
            if (!transactionOpen) {
                renewSessionIfForgotten();   // its commit will carry a sequence number of this session
            }
            // Until a statement of the transaction reached a node there is nothing to lose.
            retryable = !transactionOpen;
        }
        Response response = send(Request.newBuilder().setExecute(execute), retryable, timeoutMillis);
        if (!response.hasExecute()) {
            throw unexpected(response, "Execute");
        }
        ExecuteResult result = response.getExecute();
        made(execute.getSql());
        if (result.hasLsn()) {
            lsns.observe(result.getLsn());
        }
        if (execute.getSequence() > 0 && result.hasUpdate() && result.getUpdate().getCount() > 0) {
            // Certainly recorded by the range (a write that changed nothing may have proposed nothing).
            lastRecordedWriteMillis = System.currentTimeMillis();
        }
        long epoch = channel.epoch();
        if (result.hasLeader() && autoCommit && !transactionOpen && leaderServesEverything(statementConsistency)
                && !(result.hasRows() && !result.getRows().getLast())) {
            // Every statement of this session goes to the leader: talk to it directly from now on.
            // Nothing lives on the current link (no transaction, and a new statement closed any cursor).
            channel.moveTo(result.getLeader());
        }
        return new Executed(result, epoch);
    }

    /**
     * Starts a new session (id, sequence numbers from 1) before a write if the range may have
     * forgotten this one: a write of a forgotten session is refused as of unknown outcome. Once
     * per half a session time-to-live (30 minutes by default) of a connection that does not write.
     */
    private void renewSessionIfForgotten() {
        if (channel.sessionMayBeForgotten(lastRecordedWriteMillis)) {
            channel.renewSession(newSessionId());
            sequence = 0;
            lastRecordedWriteMillis = 0;
        }
    }

    private static byte[] newSessionId() {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return id;
    }

    /** A statement's result columns and parameters, as a node parses it; runs nothing. */
    synchronized Prepared describe(String sql) throws SQLException {
        checkOpen();
        boolean wasOpen = transactionOpen;
        Response response = send(Request.newBuilder().setPrepare(Prepare.newBuilder().setSql(sql)),
                autoCommit || !transactionOpen, 0);
        transactionOpen = wasOpen;   // describing begins no transaction on the node
        if (!response.hasPrepared()) {
            throw unexpected(response, "Prepare");
        }
        return response.getPrepared();
    }

    /** Whether reads as well as writes can only be served by the leader at this session's level. */
    private boolean leaderServesEverything(ConsistencySetting statementConsistency) {
        ConsistencySetting level = statementConsistency != null ? statementConsistency : consistency;
        return level.level() == Consistency.Level.LINEARIZABLE && consistency.level() == Consistency.Level.LINEARIZABLE;
    }

    /** The next page of a cursor. Cursors live on one node link: after a failover they are gone. */
    synchronized RowBatch fetch(long cursor, int fetchSize, long epoch) throws SQLException {
        checkOpen();
        if (epoch != channel.epoch()) {
            throw cursorLost();
        }
        Response response = send(Request.newBuilder().setFetch(Fetch.newBuilder().setCursor(cursor)
                .setFetchSize(fetchSize)), false, 0);
        if (!response.hasRows()) {
            throw unexpected(response, "Fetch");
        }
        return response.getRows();
    }

    /** Best effort: a cursor whose link is gone was closed with it. */
    synchronized void closeCursor(long cursor, long epoch) throws SQLException {
        if (closed || epoch != channel.epoch() || channel.linkAddress() == null) {
            return;
        }
        send(Request.newBuilder().setCloseCursor(CloseCursor.newBuilder().setCursor(cursor)), false, 0);
    }

    /**
     * Sends Cancel on a second connection with the same session id, to the node running the
     * statement; deliberately not synchronized, as the statement's thread holds the connection.
     */
    void cancelRunningStatement() throws SQLException {
        HostAddress node = channel.linkAddress();
        if (node == null || closed) {
            return;
        }
        Hello hello = Hello.newBuilder().setSessionId(ByteString.copyFrom(channel.sessionId())).setDatabase(config.database())
                .setReadOnly(readOnly).setClient("flotilla-jdbc " + FlotillaDriver.VERSION + " cancel").build();
        int timeout = config.connectTimeoutMillis();
        try (NodeConnection side = NodeConnection.open(node, hello, timeout, timeout, config.linkTimeoutMillis())) {
            Response response = side.call(Request.newBuilder().setCancel(Cancel.getDefaultInstance()));
            if (response.hasError()) {
                throw SqlErrors.toException(response.getError());
            }
        }
    }

    void statementClosed(FlotillaStatement statement) {
        statements.remove(statement);
    }

    // ---------------------------------------------------------------- statements

    @Override
    public Statement createStatement() throws SQLException {
        return createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
        return createStatement(resultSetType, resultSetConcurrency, ResultSet.CLOSE_CURSORS_AT_COMMIT);
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability)
            throws SQLException {
        checkOpen();
        checkResultSetOptions(resultSetType, resultSetConcurrency);
        return register(new FlotillaStatement(this));
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency)
            throws SQLException {
        return prepareStatement(sql, resultSetType, resultSetConcurrency, ResultSet.CLOSE_CURSORS_AT_COMMIT);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency,
                                              int resultSetHoldability) throws SQLException {
        checkOpen();
        checkResultSetOptions(resultSetType, resultSetConcurrency);
        return register(new FlotillaPreparedStatement(this, sql, null));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        checkOpen();
        GeneratedKeyRequest keys = autoGeneratedKeys == Statement.RETURN_GENERATED_KEYS
                ? GeneratedKeyRequest.DEFAULT : null;
        return register(new FlotillaPreparedStatement(this, sql, keys));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        throw new SQLFeatureNotSupportedException(
                "generated keys by column index: the protocol names key columns; use column names");
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        checkOpen();
        return register(new FlotillaPreparedStatement(this, sql, GeneratedKeyRequest.of(columnNames)));
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        throw new SQLFeatureNotSupportedException("callable statements are not supported");
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
        throw new SQLFeatureNotSupportedException("callable statements are not supported");
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency,
                                         int resultSetHoldability) throws SQLException {
        throw new SQLFeatureNotSupportedException("callable statements are not supported");
    }

    @Override
    public String nativeSQL(String sql) throws SQLException {
        checkOpen();
        return sql;
    }

    // ---------------------------------------------------------------- transactions

    @Override
    public synchronized void setAutoCommit(boolean autoCommit) throws SQLException {
        checkOpen();
        if (autoCommit && !this.autoCommit) {
            // JDBC: switching auto-commit on commits the open transaction.
            commit();
        }
        this.autoCommit = autoCommit;
    }

    @Override
    public synchronized boolean getAutoCommit() throws SQLException {
        checkOpen();
        return autoCommit;
    }

    /**
     * Commits with the session's next sequence number. A commit cut off before its answer may or
     * may not have been applied: that is reported as 40003, never retried blindly, because after a
     * reconnect the transaction's statements are gone and a resent Commit could not be told apart
     * from an empty one.
     */
    @Override
    public synchronized void commit() throws SQLException {
        checkOpen();
        if (autoCommit) {
            throw new SQLException("commit() while auto-commit is on", SqlStates.INVALID_TRANSACTION_STATE);
        }
        if (!transactionOpen) {
            return;   // nothing reached a node: nothing to commit, no sequence number spent
        }
        long seq = ++sequence;
        transactionOpen = false;
        Response response;
        try {
            response = channel.callOnce(Request.newBuilder().setCommit(Commit.newBuilder().setSequence(seq)));
        } catch (NodeConnectionException e) {
            if (e.timedOut()) {
                closeAfterNetworkTimeout();
            }
            throw new SQLTransactionRollbackException("commit outcome unknown: the connection to node " + e.node()
                    + " failed before the answer, so the transaction may or may not have been applied (sequence "
                    + seq + ")", SqlStates.OUTCOME_UNKNOWN, e);
        }
        if (response.hasError()) {
            Error error = response.getError();
            if (SqlStates.NOT_LEADER.equals(error.getSqlState())) {
                // A node that is not the leader holds no transaction: nothing was proposed.
                channel.drop();
                throw transactionLost(SqlErrors.toException(error));
            }
            if (SqlStates.UNAVAILABLE.equals(error.getSqlState())) {
                // The range may have lost its quorum after the proposal: the entry may still commit.
                channel.drop();
                throw new SQLTransactionRollbackException("commit outcome unknown: " + error.getMessage(),
                        SqlStates.OUTCOME_UNKNOWN, SqlErrors.toException(error));
            }
            throw SqlErrors.toException(error);
        }
        if (!response.hasCommit()) {
            throw unexpected(response, "Commit");
        }
        lsns.observe(response.getCommit().getLsn());
    }

    /** A rollback whose link is gone has happened anyway: the node dropped the transaction with it. */
    @Override
    public synchronized void rollback() throws SQLException {
        checkOpen();
        if (autoCommit) {
            throw new SQLException("rollback() while auto-commit is on", SqlStates.INVALID_TRANSACTION_STATE);
        }
        if (!transactionOpen) {
            return;
        }
        transactionOpen = false;
        Response response;
        try {
            response = channel.callOnce(Request.newBuilder().setRollback(Rollback.getDefaultInstance()));
        } catch (NodeConnectionException e) {
            return;
        }
        if (response.hasError()) {
            if (SqlStates.isFailover(response.getError().getSqlState())) {
                channel.drop();
                return;
            }
            throw SqlErrors.toException(response.getError());
        }
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        int id;
        synchronized (this) {
            id = ++savepoints;
        }
        return setSavepoint(new FlotillaSavepoint(id, "FLOTILLA_SAVEPOINT_" + id, false));
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        if (name == null || name.isEmpty()) {
            throw new SQLException("savepoint name is empty", SqlStates.INVALID_PARAMETER_VALUE);
        }
        return setSavepoint(new FlotillaSavepoint(0, name, true));
    }

    private synchronized Savepoint setSavepoint(FlotillaSavepoint savepoint) throws SQLException {
        checkOpen();
        if (autoCommit) {
            throw new SQLException("savepoints need auto-commit off", SqlStates.INVALID_TRANSACTION_STATE);
        }
        runInternal("SAVEPOINT " + SqlText.quoteIdentifier(savepoint.sqlName()));
        return savepoint;
    }

    @Override
    public synchronized void rollback(Savepoint savepoint) throws SQLException {
        checkOpen();
        if (autoCommit) {
            throw new SQLException("rollback to a savepoint needs auto-commit off", SqlStates.INVALID_TRANSACTION_STATE);
        }
        runInternal("ROLLBACK TO SAVEPOINT " + SqlText.quoteIdentifier(savepointOf(savepoint).sqlName()));
    }

    @Override
    public synchronized void releaseSavepoint(Savepoint savepoint) throws SQLException {
        checkOpen();
        runInternal("RELEASE SAVEPOINT " + SqlText.quoteIdentifier(savepointOf(savepoint).sqlName()));
    }

    private static FlotillaSavepoint savepointOf(Savepoint savepoint) throws SQLException {
        if (!(savepoint instanceof FlotillaSavepoint)) {
            throw new SQLException("not a savepoint of this driver: " + savepoint, SqlStates.INVALID_PARAMETER_VALUE);
        }
        return (FlotillaSavepoint) savepoint;
    }

    @Override
    public synchronized void setTransactionIsolation(int level) throws SQLException {
        checkOpen();
        if (transactionOpen) {
            throw new SQLException("cannot change the isolation level inside a transaction", SqlStates.ACTIVE_TRANSACTION);
        }
        isolationStatement(level);   // validates before anything is sent
        runInternal(isolationStatement(level));
        isolation = level;
    }

    private static String isolationStatement(int level) throws SQLException {
        String name;
        switch (level) {
            case TRANSACTION_READ_UNCOMMITTED:
                name = "READ UNCOMMITTED";
                break;
            case TRANSACTION_READ_COMMITTED:
                name = "READ COMMITTED";
                break;
            case TRANSACTION_REPEATABLE_READ:
                name = "REPEATABLE READ";
                break;
            case TRANSACTION_SERIALIZABLE:
                name = "SERIALIZABLE";
                break;
            default:
                throw new SQLException("unknown transaction isolation level " + level, SqlStates.INVALID_PARAMETER_VALUE);
        }
        return "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL " + name;
    }

    @Override
    public synchronized int getTransactionIsolation() throws SQLException {
        checkOpen();
        return isolation;
    }

    // ---------------------------------------------------------------- session settings

    @Override
    public synchronized void setReadOnly(boolean readOnly) throws SQLException {
        checkOpen();
        if (transactionOpen) {
            throw new SQLException("cannot change read-only inside a transaction", SqlStates.ACTIVE_TRANSACTION);
        }
        this.readOnly = readOnly;
        channel.setReadOnly(readOnly);
    }

    @Override
    public synchronized boolean isReadOnly() throws SQLException {
        checkOpen();
        return readOnly;
    }

    @Override
    public synchronized void setSchema(String schema) throws SQLException {
        checkOpen();
        if (schema == null) {
            throw new SQLException("schema is null", SqlStates.INVALID_PARAMETER_VALUE);
        }
        runInternal("SET SCHEMA " + SqlText.quoteIdentifier(schema));
    }

    @Override
    public String getSchema() throws SQLException {
        return queryString("SELECT CURRENT_SCHEMA");
    }

    /** H2 names the catalog after the database. */
    @Override
    public String getCatalog() throws SQLException {
        return catalogName();
    }

    /**
     * The catalog, asked of the node once: every replica's database has the same name, and
     * setCatalog changes nothing, so it is the same on every node for the connection's life.
     */
    String catalogName() throws SQLException {
        String name = catalog;
        if (name == null) {
            name = queryString("SELECT CURRENT_CATALOG");
            catalog = name;
        }
        return name;
    }

    /** Flotilla has one catalog per cluster: JDBC asks drivers without catalogs to ignore this. */
    @Override
    public void setCatalog(String catalog) throws SQLException {
        checkOpen();
    }

    @Override
    public synchronized int getNetworkTimeout() throws SQLException {
        checkOpen();
        return channel.networkTimeout();
    }

    @Override
    public synchronized void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
        checkOpen();
        if (milliseconds < 0) {
            throw new SQLException("negative network timeout", SqlStates.INVALID_PARAMETER_VALUE);
        }
        channel.setNetworkTimeout(milliseconds);
    }

    @Override
    public boolean isValid(int timeoutSeconds) throws SQLException {
        if (timeoutSeconds < 0) {
            throw new SQLException("negative timeout", SqlStates.INVALID_PARAMETER_VALUE);
        }
        if (closed) {
            return false;
        }
        synchronized (this) {
            if (transactionOpen) {
                // Only the current link may answer: moving would lose the transaction.
                try {
                    return !channel.callOnce(Request.newBuilder().setPing(Ping.getDefaultInstance())).hasError();
                } catch (SQLException e) {
                    return false;
                }
            }
            long timeoutMillis = timeoutSeconds == 0 ? config.failoverTimeoutMillis() : timeoutSeconds * 1000L;
            try {
                Response r = channel.callWithFailover(Request.newBuilder().setPing(Ping.getDefaultInstance()),
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
                return !r.hasError();
            } catch (SQLException e) {
                return false;
            }
        }
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        checkOpen();
        return new FlotillaDatabaseMetaData(this);
    }

    String url() {
        return url;
    }

    // ---------------------------------------------------------------- warnings, close, misc

    @Override
    public synchronized SQLWarning getWarnings() throws SQLException {
        checkOpen();
        return warnings;
    }

    @Override
    public synchronized void clearWarnings() throws SQLException {
        checkOpen();
        warnings = null;
    }

    /** Closes statements and result sets; an open transaction is rolled back, not committed. */
    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        for (FlotillaStatement s : List.copyOf(statements)) {
            try {
                s.close();
            } catch (SQLException ignored) {
                // closing is best effort: the link closes below and takes the cursors with it
            }
        }
        synchronized (this) {
            if (transactionOpen) {
                try {
                    rollback();
                } catch (SQLException ignored) {
                    // the node rolls back a transaction whose connection closes
                }
            }
            closed = true;
            channel.drop();
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void abort(Executor executor) throws SQLException {
        if (executor == null) {
            throw new SQLException("executor is null", SqlStates.INVALID_PARAMETER_VALUE);
        }
        closed = true;
        // Unblocks a statement in progress at once; no lock, as its thread may hold the connection.
        executor.execute(channel::abort);
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        checkOpen();
        return typeMap;
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
        checkOpen();
        typeMap = map == null ? new HashMap<>() : map;
    }

    @Override
    public void setHoldability(int holdability) throws SQLException {
        checkOpen();
        if (holdability != ResultSet.CLOSE_CURSORS_AT_COMMIT && holdability != ResultSet.HOLD_CURSORS_OVER_COMMIT) {
            throw new SQLException("unknown holdability " + holdability, SqlStates.INVALID_PARAMETER_VALUE);
        }
    }

    @Override
    public int getHoldability() throws SQLException {
        checkOpen();
        return ResultSet.CLOSE_CURSORS_AT_COMMIT;
    }

    @Override
    public Clob createClob() throws SQLException {
        checkOpen();
        return new javax.sql.rowset.serial.SerialClob(new char[0]);
    }

    @Override
    public Blob createBlob() throws SQLException {
        checkOpen();
        return new javax.sql.rowset.serial.SerialBlob(new byte[0]);
    }

    @Override
    public NClob createNClob() throws SQLException {
        throw new SQLFeatureNotSupportedException("NClob is not supported");
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        throw new SQLFeatureNotSupportedException("SQLXML is not supported");
    }

    @Override
    public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        checkOpen();
        return new FlotillaArray(typeName, java.sql.Types.OTHER, elements);
    }

    @Override
    public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
        throw new SQLFeatureNotSupportedException("Struct is not supported");
    }

    /** The client info name under which the session's LSN token is read and another's is given. */
    public static final String LSN_CLIENT_INFO = "flotilla.lsn";

    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        if (closed) {
            throw new SQLClientInfoException("connection is closed", SqlStates.CONNECTION_DOES_NOT_EXIST, 0,
                    Map.of(name, ClientInfoStatus.REASON_UNKNOWN));
        }
        if (LSN_CLIENT_INFO.equals(name)) {
            try {
                lsns.observe(LsnToken.parse(value));
            } catch (SQLException e) {
                throw new SQLClientInfoException(e.getMessage(), e.getSQLState(), 0,
                        Map.of(name, ClientInfoStatus.REASON_VALUE_INVALID), e);
            }
            return;
        }
        if (value == null) {
            clientInfo.remove(name);
        } else {
            clientInfo.setProperty(name, value);
        }
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        for (String name : properties.stringPropertyNames()) {
            setClientInfo(name, properties.getProperty(name));
        }
    }

    /** Client info stays in the driver (the protocol has no place for it), but for the session's LSN token. */
    @Override
    public String getClientInfo(String name) throws SQLException {
        checkOpen();
        return LSN_CLIENT_INFO.equals(name) ? getLsnToken() : clientInfo.getProperty(name);
    }

    @Override
    public Properties getClientInfo() throws SQLException {
        checkOpen();
        Properties copy = new Properties();
        copy.putAll(clientInfo);
        String token = getLsnToken();
        if (token != null) {
            copy.setProperty(LSN_CLIENT_INFO, token);
        }
        return copy;
    }



    // ---------------------------------------------------------------- internals

    private void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLNonTransientConnectionException("connection is closed", SqlStates.CONNECTION_DOES_NOT_EXIST);
        }
    }

    private static void checkResultSetOptions(int type, int concurrency) throws SQLException {
        if (type != ResultSet.TYPE_FORWARD_ONLY) {
            throw new SQLFeatureNotSupportedException("only forward-only result sets are supported");
        }
        if (concurrency != ResultSet.CONCUR_READ_ONLY) {
            throw new SQLFeatureNotSupportedException("only read-only result sets are supported");
        }
    }

    private <S extends FlotillaStatement> S register(S statement) {
        statements.add(statement);
        return statement;
    }

    private Consistency.Builder consistencyFor(ConsistencySetting statementConsistency) {
        ConsistencySetting setting = statementConsistency != null ? statementConsistency : consistency;
        Consistency.Builder b = setting.toProtocol();
        if (setting.level() == Consistency.Level.SESSION) {
            // A statement's own lsn:<token> counts as well as the session's.
            Lsn atLeast = lsns.atLeast(setting.atLeast());
            if (atLeast != null) {
                b.setMinLsn(atLeast);
            }
            b.setMaxWaitMillis(config.lsnWaitMillis());
        }
        return b;
    }

    /**
     * Sends a request; retryable ones go through failover. Applies what a failure means for the
     * transaction: once a statement of it reached a node, losing that node loses the transaction.
     */
    private Response send(Request.Builder request, boolean retryable, int timeoutMillis) throws SQLException {
        Response response;
        try {
            response = retryable ? channel.callWithFailover(request, deadline(timeoutMillis)) : channel.callOnce(request);
        } catch (SQLException e) {
            throw afterLinkFailure(e);
        }
        if (response.hasError()) {
            Error error = response.getError();
            if (SqlStates.isFailover(error.getSqlState())) {
                // Only a non-retryable request gets here: inside a transaction, or a cursor's fetch.
                channel.drop();
                throw afterLinkFailure(SqlErrors.toException(error));
            }
            if (!autoCommit) {
                // A failed statement leaves the transaction open on the node unless it rolled it back.
                transactionOpen = !error.getSqlState().startsWith("40");
            }
            throw SqlErrors.toException(error);
        }
        if (!autoCommit) {
            transactionOpen = true;
        }
        return response;
    }

    private SQLException afterLinkFailure(SQLException e) {
        if (e instanceof NodeConnectionException && ((NodeConnectionException) e).timedOut()
                && SqlStates.CONNECTION_FAILURE.equals(e.getSQLState())) {
            // JDBC's network timeout: the connection is closed, the node may still be working.
            transactionOpen = false;
            closeAfterNetworkTimeout();
            return e;
        }
        if (transactionOpen) {
            return transactionLost(e);
        }
        return e;
    }

    private SQLTransactionRollbackException transactionLost(SQLException cause) {
        transactionOpen = false;
        return new SQLTransactionRollbackException("transaction rolled back: its node connection failed ("
                + cause.getMessage() + "); its statements are lost, retry the transaction",
                SqlStates.TRANSACTION_ROLLBACK, cause);
    }

    private void closeAfterNetworkTimeout() {
        closed = true;
        channel.drop();
    }

    private long deadline(int timeoutMillis) {
        long millis = timeoutMillis > 0 ? timeoutMillis : config.failoverTimeoutMillis();
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    private static SQLException unexpected(Response response, String request) {
        return new SQLNonTransientConnectionException("protocol violation: " + request + " answered with "
                + response.getKindCase(), SqlStates.PROTOCOL_VIOLATION);
    }

    private static SQLException cursorLost() {
        return new SQLNonTransientConnectionException(
                "result set lost: the connection moved to another node, and cursors live on one node",
                SqlStates.CONNECTION_FAILURE);
    }

    /** A statement of the driver's own (settings, savepoints), not counted as a write. */
    private void runInternal(String sql) throws SQLException {
        Execute.Builder execute = Execute.newBuilder().setSql(sql).setAutoCommit(autoCommit);
        Response response = send(Request.newBuilder().setExecute(execute), !transactionOpen, 0);
        if (!response.hasExecute()) {
            throw unexpected(response, "Execute");
        }
        made(sql);
    }

    /** A statement ran: if it made a session setting, every later link gets it too. */
    private void made(String sql) {
        SessionSetting.of(sql).ifPresent(kind -> settings.put(kind, sql));
    }

    private String queryString(String sql) throws SQLException {
        checkOpen();
        try (Statement s = createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Restores the session's settings on a new node link: the node forgot them with the old one. */
    private void prepareLink(NodeConnection link) throws SQLException {
        for (String setting : settings.values()) {
            runOnLink(link, setting);
        }
    }

    private static void runOnLink(NodeConnection link, String sql) throws SQLException {
        Response response = link.call(Request.newBuilder().setExecute(
                Execute.newBuilder().setSql(sql).setAutoCommit(true)));
        if (response.hasError()) {
            throw SqlErrors.toException(response.getError());
        }
    }
}
