package io.flotilla.jdbc;

import io.flotilla.protocol.Execute;
import io.flotilla.protocol.ParameterSet;
import io.flotilla.protocol.Prepared;
import io.flotilla.protocol.Value;
import io.flotilla.protocol.wire.SqlErrors;
import io.flotilla.protocol.wire.SqlStates;
import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Date;
import java.sql.NClob;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLType;
import java.sql.SQLXML;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Calendar;
import java.util.List;

/**
 * A prepared statement. The node parses its SQL once per session and keeps it parsed for every
 * execution; the SQL still travels with each Execute, with its parameter values, so any node can
 * run it after a failover. Its metadata before execution come from the node (Prepare). A batch is
 * one Execute with many parameter sets.
 */
public class FlotillaPreparedStatement extends FlotillaStatement implements PreparedStatement {
    private final String sql;
    private final GeneratedKeyRequest keys;
    private final Value[] parameters;
    private final List<ParameterSet> batch = new ArrayList<>();
    private Prepared description;

    FlotillaPreparedStatement(FlotillaConnection connection, String sql, GeneratedKeyRequest keys) throws SQLException {
        super(connection);
        this.sql = executeOf(sql).getSql();
        this.keys = keys;
        this.parameters = new Value[SqlText.parameterCount(sql)];
    }

    private Execute.Builder boundExecute() throws SQLException {
        return executeOf(sql).addAllParameters(Arrays.asList(boundParameters()));
    }

    private Value[] boundParameters() throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            if (parameters[i] == null) {
                throw new SQLException("parameter " + (i + 1) + " is not set", SqlStates.PARAMETER_NOT_SET);
            }
        }
        return parameters;
    }

    @Override
    public ResultSet executeQuery() throws SQLException {
        return requireResultSet(run(boundExecute(), keys));
    }

    @Override
    public int executeUpdate() throws SQLException {
        return toInt(executeLargeUpdate());
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        return requireUpdateCount(run(boundExecute(), keys));
    }

    @Override
    public boolean execute() throws SQLException {
        return run(boundExecute(), keys);
    }

    @Override
    public void addBatch() throws SQLException {
        checkOpen();
        batch.add(ParameterSet.newBuilder().addAllValues(Arrays.asList(boundParameters())).build());
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

    /** The whole batch is one Execute, so it is one write (one sequence number) outside a transaction. */
    @Override
    public long[] executeLargeBatch() throws SQLException {
        checkOpen();
        if (batch.isEmpty()) {
            return new long[0];
        }
        List<ParameterSet> sets = new ArrayList<>(batch);
        batch.clear();
        try {
            if (run(executeOf(sql).addAllBatch(sets), keys)) {
                closeResults();
                throw new SQLException("a batch statement produced a result set", SqlStates.GENERAL_ERROR);
            }
        } catch (SQLException e) {
            throw batchFailed(e, new long[0]);
        }
        List<Long> counts = lastBatchCounts;
        long[] result = new long[sets.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = i < counts.size() ? counts.get(i) : SUCCESS_NO_INFO;
        }
        return result;
    }

    @Override
    public void clearParameters() throws SQLException {
        checkOpen();
        Arrays.fill(parameters, null);
    }

    @Override
    public ParameterMetaData getParameterMetaData() throws SQLException {
        return new FlotillaParameterMetaData(described().getParametersList());
    }

    /** The result's columns before execution, as the node describes the statement; null if it returns no rows. */
    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        Prepared d = described();
        if (d.hasColumnsError()) {
            throw SqlErrors.toException(d.getColumnsError());
        }
        return d.getColumnsCount() == 0 ? null : new FlotillaResultSetMetaData(d.getColumnsList(), connection);
    }

    /** The statement as a node parsed it: asked once, on first use (a round trip the executions do not need). */
    private Prepared described() throws SQLException {
        checkOpen();
        if (description == null) {
            description = connection.describe(sql);
        }
        return description;
    }

    // ---------------------------------------------------------------- setters

    private void set(int index, Value value) throws SQLException {
        checkOpen();
        if (index < 1 || index > parameters.length) {
            throw new SQLException("parameter index " + index + " out of range 1.." + parameters.length,
                    SqlStates.INVALID_DESCRIPTOR_INDEX);
        }
        parameters[index - 1] = value;
    }

    @Override
    public void setNull(int parameterIndex, int sqlType) throws SQLException {
        set(parameterIndex, ParameterValues.NULL);
    }

    @Override
    public void setNull(int parameterIndex, int sqlType, String typeName) throws SQLException {
        set(parameterIndex, ParameterValues.NULL);
    }

    @Override
    public void setBoolean(int parameterIndex, boolean x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    @Override
    public void setByte(int parameterIndex, byte x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    @Override
    public void setShort(int parameterIndex, short x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    @Override
    public void setInt(int parameterIndex, int x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    @Override
    public void setLong(int parameterIndex, long x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    @Override
    public void setFloat(int parameterIndex, float x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    @Override
    public void setDouble(int parameterIndex, double x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    @Override
    public void setBigDecimal(int parameterIndex, BigDecimal x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    @Override
    public void setString(int parameterIndex, String x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    @Override
    public void setNString(int parameterIndex, String value) throws SQLException {
        setString(parameterIndex, value);
    }

    @Override
    public void setBytes(int parameterIndex, byte[] x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    @Override
    public void setDate(int parameterIndex, Date x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    /** The date at midnight in the calendar's zone names a day; that day is sent. */
    @Override
    public void setDate(int parameterIndex, Date x, Calendar cal) throws SQLException {
        if (x == null || cal == null) {
            setDate(parameterIndex, x);
            return;
        }
        LocalDate day = Instant.ofEpochMilli(x.getTime()).atZone(cal.getTimeZone().toZoneId()).toLocalDate();
        set(parameterIndex, ParameterValues.date(day));
    }

    @Override
    public void setTime(int parameterIndex, Time x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    @Override
    public void setTime(int parameterIndex, Time x, Calendar cal) throws SQLException {
        if (x == null || cal == null) {
            setTime(parameterIndex, x);
            return;
        }
        set(parameterIndex, ParameterValues.time(
                Instant.ofEpochMilli(x.getTime()).atZone(cal.getTimeZone().toZoneId()).toLocalTime()));
    }

    @Override
    public void setTimestamp(int parameterIndex, Timestamp x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    /** The instant is written as the local date-time it has in the calendar's zone. */
    @Override
    public void setTimestamp(int parameterIndex, Timestamp x, Calendar cal) throws SQLException {
        if (x == null || cal == null) {
            setTimestamp(parameterIndex, x);
            return;
        }
        ZoneId zone = cal.getTimeZone().toZoneId();
        set(parameterIndex, ParameterValues.timestamp(LocalDateTime.ofInstant(x.toInstant(), zone)));
    }

    @Override
    public void setObject(int parameterIndex, Object x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType) throws SQLException {
        set(parameterIndex, ParameterValues.of(x, targetSqlType));
    }

    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType, int scaleOrLength) throws SQLException {
        if (x instanceof InputStream) {
            set(parameterIndex, ParameterValues.of(ParameterValues.readFully((InputStream) x, scaleOrLength)));
        } else if (x instanceof Reader) {
            set(parameterIndex, ParameterValues.of(ParameterValues.readFully((Reader) x, scaleOrLength)));
        } else {
            set(parameterIndex, ParameterValues.of(x, targetSqlType));
        }
    }

    @Override
    public void setObject(int parameterIndex, Object x, SQLType targetSqlType) throws SQLException {
        setObject(parameterIndex, x, vendorType(targetSqlType));
    }

    @Override
    public void setObject(int parameterIndex, Object x, SQLType targetSqlType, int scaleOrLength) throws SQLException {
        setObject(parameterIndex, x, vendorType(targetSqlType), scaleOrLength);
    }

    private static int vendorType(SQLType type) throws SQLException {
        Integer n = type == null ? null : type.getVendorTypeNumber();
        if (n == null) {
            throw new SQLFeatureNotSupportedException("SQL type " + type + " is not supported");
        }
        return n;
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x, int length) throws SQLException {
        setAsciiStream(parameterIndex, x, (long) length);
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x, long length) throws SQLException {
        set(parameterIndex, x == null ? ParameterValues.NULL
                : ParameterValues.of(new String(ParameterValues.readFully(x, length), StandardCharsets.US_ASCII)));
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x) throws SQLException {
        setAsciiStream(parameterIndex, x, -1L);
    }

    @Override
    @Deprecated
    public void setUnicodeStream(int parameterIndex, InputStream x, int length) throws SQLException {
        set(parameterIndex, x == null ? ParameterValues.NULL
                : ParameterValues.of(new String(ParameterValues.readFully(x, length), StandardCharsets.UTF_16BE)));
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x, int length) throws SQLException {
        setBinaryStream(parameterIndex, x, (long) length);
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x, long length) throws SQLException {
        set(parameterIndex, x == null ? ParameterValues.NULL : ParameterValues.of(ParameterValues.readFully(x, length)));
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x) throws SQLException {
        setBinaryStream(parameterIndex, x, -1L);
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader reader, int length) throws SQLException {
        setCharacterStream(parameterIndex, reader, (long) length);
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader reader, long length) throws SQLException {
        set(parameterIndex, reader == null ? ParameterValues.NULL
                : ParameterValues.of(ParameterValues.readFully(reader, length)));
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader reader) throws SQLException {
        setCharacterStream(parameterIndex, reader, -1L);
    }

    @Override
    public void setNCharacterStream(int parameterIndex, Reader value, long length) throws SQLException {
        setCharacterStream(parameterIndex, value, length);
    }

    @Override
    public void setNCharacterStream(int parameterIndex, Reader value) throws SQLException {
        setCharacterStream(parameterIndex, value);
    }

    @Override
    public void setBlob(int parameterIndex, Blob x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    @Override
    public void setBlob(int parameterIndex, InputStream inputStream, long length) throws SQLException {
        setBinaryStream(parameterIndex, inputStream, length);
    }

    @Override
    public void setBlob(int parameterIndex, InputStream inputStream) throws SQLException {
        setBinaryStream(parameterIndex, inputStream);
    }

    @Override
    public void setClob(int parameterIndex, Clob x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    @Override
    public void setClob(int parameterIndex, Reader reader, long length) throws SQLException {
        setCharacterStream(parameterIndex, reader, length);
    }

    @Override
    public void setClob(int parameterIndex, Reader reader) throws SQLException {
        setCharacterStream(parameterIndex, reader);
    }

    @Override
    public void setNClob(int parameterIndex, NClob value) throws SQLException {
        setClob(parameterIndex, value);
    }

    @Override
    public void setNClob(int parameterIndex, Reader reader, long length) throws SQLException {
        setCharacterStream(parameterIndex, reader, length);
    }

    @Override
    public void setNClob(int parameterIndex, Reader reader) throws SQLException {
        setCharacterStream(parameterIndex, reader);
    }

    @Override
    public void setArray(int parameterIndex, Array x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x));
    }

    @Override
    public void setURL(int parameterIndex, URL x) throws SQLException {
        set(parameterIndex, ParameterValues.of(x == null ? null : x.toString()));
    }

    @Override
    public void setRef(int parameterIndex, Ref x) throws SQLException {
        throw new SQLFeatureNotSupportedException("REF parameters are not supported");
    }

    @Override
    public void setRowId(int parameterIndex, RowId x) throws SQLException {
        throw new SQLFeatureNotSupportedException("ROWID parameters are not supported");
    }

    @Override
    public void setSQLXML(int parameterIndex, SQLXML xmlObject) throws SQLException {
        throw new SQLFeatureNotSupportedException("SQLXML parameters are not supported");
    }

    // ---------------------------------------------------------------- plain-SQL methods are not for prepared statements

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        throw sqlOnPrepared();
    }

    @Override
    public long executeLargeUpdate(String sql) throws SQLException {
        throw sqlOnPrepared();
    }

    @Override
    public boolean execute(String sql) throws SQLException {
        throw sqlOnPrepared();
    }

    @Override
    public void addBatch(String sql) throws SQLException {
        throw sqlOnPrepared();
    }

    private static SQLException sqlOnPrepared() {
        return new SQLException("this method takes no SQL on a PreparedStatement", SqlStates.GENERAL_ERROR);
    }
}
