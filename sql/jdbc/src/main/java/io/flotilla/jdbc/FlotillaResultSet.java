package io.flotilla.jdbc;

import io.flotilla.protocol.Column;
import io.flotilla.protocol.Row;
import io.flotilla.protocol.RowBatch;
import io.flotilla.protocol.wire.SqlStates;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Date;
import java.sql.NClob;
import java.sql.Ref;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import javax.sql.rowset.serial.SerialBlob;
import javax.sql.rowset.serial.SerialClob;

/**
 * A forward-only, read-only result set over pages of rows. While the node still holds rows (the
 * page is not the last), the next page is fetched with the cursor; closing early closes the cursor.
 */
public class FlotillaResultSet extends ReadOnlyForwardResultSet implements SelfWrapper {
    private final FlotillaStatement statement;
    private final FlotillaConnection connection;
    private List<Column> columns;
    private final Map<String, Integer> columnIndex = new HashMap<>();
    private final long epoch;
    private final int fetchSize;
    private List<Row> page;
    private int pageRow = -1;
    private long cursor;
    private boolean last;
    private long rowNumber;
    private Object[] decoded;
    private boolean afterEnd;
    private boolean wasNull;
    private boolean closed;

    FlotillaResultSet(FlotillaStatement statement, FlotillaConnection connection, RowBatch first, long epoch,
                      int fetchSize) {
        this.statement = statement;
        this.connection = connection;
        this.columns = first.getColumnsList();
        this.epoch = epoch;
        this.fetchSize = fetchSize;
        this.page = first.getRowsList();
        this.cursor = first.getCursor();
        this.last = first.getLast() || first.getCursor() == 0;
        for (int i = columns.size() - 1; i >= 0; i--) {
            // Later duplicates are overwritten by earlier ones: the first column of a label wins.
            Column c = columns.get(i);
            columnIndex.put(labelOf(c).toUpperCase(Locale.ROOT), i + 1);
        }
        for (int i = columns.size() - 1; i >= 0; i--) {
            columnIndex.putIfAbsent(columns.get(i).getName().toUpperCase(Locale.ROOT), i + 1);
        }
    }

    /** A result set built in the driver (metadata answers, empty generated keys): no cursor. */
    static FlotillaResultSet local(RowBatch rows) {
        return local(rows, null);
    }

    /** As {@link #local(RowBatch)}, the rows of {@code connection}'s catalog. */
    static FlotillaResultSet local(RowBatch rows, FlotillaConnection connection) {
        return new FlotillaResultSet(null, connection, rows.toBuilder().setLast(true).setCursor(0).build(), 0, 0);
    }

    /**
     * Describes the columns anew, keeping their labels (so findColumn is unchanged): a metadata
     * answer the node computed describes its columns as H2's driver would.
     */
    FlotillaResultSet describedAs(UnaryOperator<Column> description) {
        List<Column> described = new ArrayList<>(columns.size());
        for (Column c : columns) {
            described.add(description.apply(c));
        }
        columns = described;
        return this;
    }

    static String labelOf(Column c) {
        return c.getLabel().isEmpty() ? c.getName() : c.getLabel();
    }

    // ---------------------------------------------------------------- navigation

    @Override
    public boolean next() throws SQLException {
        checkOpen();
        decoded = null;
        if (pageRow + 1 < page.size()) {
            pageRow++;
            rowNumber++;
            return true;
        }
        while (!last) {
            RowBatch more = connection.fetch(cursor, fetchSize, epoch);
            page = more.getRowsList();
            pageRow = -1;
            cursor = more.getCursor();
            last = more.getLast() || more.getCursor() == 0;
            if (!page.isEmpty()) {
                pageRow = 0;
                rowNumber++;
                return true;
            }
        }
        afterEnd = true;
        page = List.of();
        pageRow = -1;
        return false;
    }

    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        page = List.of();
        try {
            if (!last && connection != null) {
                last = true;
                connection.closeCursor(cursor, epoch);
            }
        } finally {
            if (statement != null) {
                statement.resultSetClosed(this);
            }
        }
    }

    /** Closing on the statement's behalf (re-execution, statement close): never closes it back. */
    void closeQuietlyForStatement() {
        closed = true;
        page = List.of();
        if (!last && connection != null) {
            last = true;
            try {
                connection.closeCursor(cursor, epoch);
            } catch (SQLException ignored) {
                // the cursor dies with its node link anyway
            }
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public boolean isBeforeFirst() throws SQLException {
        checkOpen();
        return rowNumber == 0 && (!page.isEmpty() || !last);
    }

    @Override
    public boolean isAfterLast() throws SQLException {
        checkOpen();
        return afterEnd && rowNumber > 0;
    }

    @Override
    public boolean isFirst() throws SQLException {
        checkOpen();
        return rowNumber == 1 && !afterEnd;
    }

    @Override
    public boolean isLast() throws SQLException {
        checkOpen();
        if (afterEnd || rowNumber == 0 || pageRow + 1 < page.size()) {
            return false;
        }
        if (last) {
            return true;
        }
        throw new SQLFeatureNotSupportedException("isLast() inside a paged result set would need a look-ahead fetch");
    }

    @Override
    public int getRow() throws SQLException {
        checkOpen();
        return afterEnd ? 0 : (int) rowNumber;
    }

    @Override
    public int getType() throws SQLException {
        checkOpen();
        return TYPE_FORWARD_ONLY;
    }

    @Override
    public int getConcurrency() throws SQLException {
        checkOpen();
        return CONCUR_READ_ONLY;
    }

    @Override
    public int getHoldability() throws SQLException {
        checkOpen();
        return CLOSE_CURSORS_AT_COMMIT;
    }

    @Override
    public void setFetchDirection(int direction) throws SQLException {
        checkOpen();
        if (direction != FETCH_FORWARD) {
            throw new SQLFeatureNotSupportedException("result sets are forward-only");
        }
    }

    @Override
    public int getFetchDirection() throws SQLException {
        checkOpen();
        return FETCH_FORWARD;
    }

    /** The page size is fixed when the statement runs. */
    @Override
    public void setFetchSize(int rows) throws SQLException {
        checkOpen();
        if (rows < 0) {
            throw new SQLException("negative fetch size", SqlStates.INVALID_PARAMETER_VALUE);
        }
    }

    @Override
    public int getFetchSize() throws SQLException {
        checkOpen();
        return fetchSize;
    }

    @Override
    public Statement getStatement() throws SQLException {
        checkOpen();
        return statement;
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
    public String getCursorName() throws SQLException {
        throw new SQLFeatureNotSupportedException("named cursors are not supported");
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        checkOpen();
        return new FlotillaResultSetMetaData(columns, connection);
    }

    @Override
    public int findColumn(String columnLabel) throws SQLException {
        checkOpen();
        Integer i = columnLabel == null ? null : columnIndex.get(columnLabel.toUpperCase(Locale.ROOT));
        if (i == null) {
            throw new SQLException("column '" + columnLabel + "' not found", SqlStates.INVALID_DESCRIPTOR_INDEX);
        }
        return i;
    }

    @Override
    public boolean rowUpdated() throws SQLException {
        checkOpen();
        return false;
    }

    @Override
    public boolean rowInserted() throws SQLException {
        checkOpen();
        return false;
    }

    @Override
    public boolean rowDeleted() throws SQLException {
        checkOpen();
        return false;
    }

    @Override
    public boolean wasNull() throws SQLException {
        checkOpen();
        return wasNull;
    }

    // ---------------------------------------------------------------- value access

    /** The canonical Java value of a column of the current row; records wasNull. */
    private Object value(int columnIndex) throws SQLException {
        checkOpen();
        if (pageRow < 0 || pageRow >= page.size()) {
            throw new SQLException(afterEnd ? "no current row: after the last row" : "no current row: call next() first",
                    SqlStates.INVALID_CURSOR_STATE);
        }
        if (columnIndex < 1 || columnIndex > columns.size()) {
            throw new SQLException("column index " + columnIndex + " out of range 1.." + columns.size(),
                    SqlStates.INVALID_DESCRIPTOR_INDEX);
        }
        Row row = page.get(pageRow);
        if (decoded == null) {
            decoded = new Object[columns.size()];
            for (int i = 0; i < decoded.length; i++) {
                decoded[i] = i < row.getValuesCount() ? ValueDecoder.decode(row.getValues(i)) : null;
            }
        }
        Object v = decoded[columnIndex - 1];
        wasNull = v == null;
        return v;
    }

    private int jdbcType(int columnIndex) {
        return columns.get(columnIndex - 1).getJdbcType();
    }

    @Override
    public String getString(int columnIndex) throws SQLException {
        return Conversions.toStringValue(value(columnIndex), jdbcType(columnIndex));
    }

    @Override
    public boolean getBoolean(int columnIndex) throws SQLException {
        return Conversions.toBoolean(value(columnIndex));
    }

    @Override
    public byte getByte(int columnIndex) throws SQLException {
        return (byte) Conversions.toLong(value(columnIndex), Byte.MIN_VALUE, Byte.MAX_VALUE);
    }

    @Override
    public short getShort(int columnIndex) throws SQLException {
        return (short) Conversions.toLong(value(columnIndex), Short.MIN_VALUE, Short.MAX_VALUE);
    }

    @Override
    public int getInt(int columnIndex) throws SQLException {
        return (int) Conversions.toLong(value(columnIndex), Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    @Override
    public long getLong(int columnIndex) throws SQLException {
        return Conversions.toLong(value(columnIndex), Long.MIN_VALUE, Long.MAX_VALUE);
    }

    @Override
    public float getFloat(int columnIndex) throws SQLException {
        return (float) Conversions.toDouble(value(columnIndex));
    }

    @Override
    public double getDouble(int columnIndex) throws SQLException {
        return Conversions.toDouble(value(columnIndex));
    }

    @Override
    public BigDecimal getBigDecimal(int columnIndex) throws SQLException {
        return Conversions.toBigDecimal(value(columnIndex));
    }

    @Override
    @Deprecated
    public BigDecimal getBigDecimal(int columnIndex, int scale) throws SQLException {
        BigDecimal d = getBigDecimal(columnIndex);
        return d == null ? null : d.setScale(scale, RoundingMode.HALF_UP);
    }

    @Override
    public byte[] getBytes(int columnIndex) throws SQLException {
        return Conversions.toBytes(value(columnIndex));
    }

    @Override
    public Date getDate(int columnIndex) throws SQLException {
        LocalDate d = Conversions.toLocalDate(value(columnIndex));
        return d == null ? null : Date.valueOf(d);
    }

    @Override
    public Date getDate(int columnIndex, Calendar cal) throws SQLException {
        LocalDate d = Conversions.toLocalDate(value(columnIndex));
        if (d == null || cal == null) {
            return d == null ? null : Date.valueOf(d);
        }
        return new Date(d.atStartOfDay(cal.getTimeZone().toZoneId()).toInstant().toEpochMilli());
    }

    @Override
    public Time getTime(int columnIndex) throws SQLException {
        return getTime(columnIndex, null);
    }

    /** Keeps milliseconds, which Time.valueOf(LocalTime) would drop. */
    @Override
    public Time getTime(int columnIndex, Calendar cal) throws SQLException {
        LocalTime t = Conversions.toLocalTime(value(columnIndex));
        if (t == null) {
            return null;
        }
        ZoneId zone = cal == null ? ZoneId.systemDefault() : cal.getTimeZone().toZoneId();
        return new Time(LocalDate.EPOCH.atTime(t).atZone(zone).toInstant().toEpochMilli());
    }

    @Override
    public Timestamp getTimestamp(int columnIndex) throws SQLException {
        LocalDateTime t = Conversions.toLocalDateTime(value(columnIndex));
        return t == null ? null : Timestamp.valueOf(t);
    }

    @Override
    public Timestamp getTimestamp(int columnIndex, Calendar cal) throws SQLException {
        Object v = value(columnIndex);
        if (v == null) {
            return null;
        }
        if (cal == null) {
            return Timestamp.valueOf(Conversions.toLocalDateTime(v));
        }
        if (v instanceof OffsetDateTime) {
            return Timestamp.from(((OffsetDateTime) v).toInstant());   // an instant needs no calendar
        }
        return Timestamp.from(Conversions.toLocalDateTime(v).atZone(cal.getTimeZone().toZoneId()).toInstant());
    }

    @Override
    public InputStream getAsciiStream(int columnIndex) throws SQLException {
        String s = getString(columnIndex);
        return s == null ? null : new ByteArrayInputStream(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    @Deprecated
    public InputStream getUnicodeStream(int columnIndex) throws SQLException {
        String s = getString(columnIndex);
        return s == null ? null : new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_16BE));
    }

    @Override
    public InputStream getBinaryStream(int columnIndex) throws SQLException {
        byte[] b = getBytes(columnIndex);
        return b == null ? null : new ByteArrayInputStream(b);
    }

    @Override
    public Reader getCharacterStream(int columnIndex) throws SQLException {
        String s = getString(columnIndex);
        return s == null ? null : new StringReader(s);
    }

    @Override
    public Reader getNCharacterStream(int columnIndex) throws SQLException {
        return getCharacterStream(columnIndex);
    }

    @Override
    public String getNString(int columnIndex) throws SQLException {
        return getString(columnIndex);
    }

    @Override
    public Blob getBlob(int columnIndex) throws SQLException {
        byte[] b = getBytes(columnIndex);
        return b == null ? null : new SerialBlob(b);
    }

    @Override
    public Clob getClob(int columnIndex) throws SQLException {
        String s = getString(columnIndex);
        return s == null ? null : new SerialClob(s.toCharArray());
    }

    @Override
    public NClob getNClob(int columnIndex) throws SQLException {
        throw new SQLFeatureNotSupportedException("NClob is not supported; use getClob or getString");
    }

    @Override
    public Array getArray(int columnIndex) throws SQLException {
        Object v = value(columnIndex);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Object[])) {
            throw Conversions.cannotConvert(v, "ARRAY");
        }
        return toArray((Object[]) v, columns.get(columnIndex - 1));
    }

    @Override
    public URL getURL(int columnIndex) throws SQLException {
        String s = getString(columnIndex);
        try {
            return s == null ? null : new URL(s);
        } catch (MalformedURLException e) {
            throw new SQLException("not a URL: " + s, SqlStates.INVALID_CHARACTER_VALUE_FOR_CAST, e);
        }
    }

    @Override
    public Ref getRef(int columnIndex) throws SQLException {
        throw new SQLFeatureNotSupportedException("REF is not supported");
    }

    @Override
    public RowId getRowId(int columnIndex) throws SQLException {
        throw new SQLFeatureNotSupportedException("ROWID is not supported");
    }

    @Override
    public SQLXML getSQLXML(int columnIndex) throws SQLException {
        throw new SQLFeatureNotSupportedException("SQLXML is not supported");
    }

    /** The Java type H2's own driver returns for the column's type (JDBC's default mapping). */
    @Override
    public Object getObject(int columnIndex) throws SQLException {
        Object v = value(columnIndex);
        if (v == null) {
            return null;
        }
        Column column = columns.get(columnIndex - 1);
        switch (column.getJdbcType()) {
            case Types.TINYINT:
            case Types.SMALLINT:
            case Types.INTEGER:
                return (int) Conversions.toLong(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case Types.BIGINT:
                return Conversions.toLong(v, Long.MIN_VALUE, Long.MAX_VALUE);
            case Types.NUMERIC:
            case Types.DECIMAL:
                return Conversions.toBigDecimal(v);
            case Types.REAL:
                return (float) Conversions.toDouble(v);
            case Types.FLOAT:
            case Types.DOUBLE:
                return Conversions.toDouble(v);
            case Types.BOOLEAN:
            case Types.BIT:
                return Conversions.toBoolean(v);
            case Types.BLOB:
                return new SerialBlob(Conversions.toBytes(v));
            case Types.CLOB:
            case Types.NCLOB:
                return new SerialClob(Conversions.toStringValue(v, Types.CLOB).toCharArray());
            default:
                break;
        }
        if (v instanceof LocalDate) {
            return Date.valueOf((LocalDate) v);
        }
        if (v instanceof LocalTime) {
            return getTime(columnIndex);
        }
        if (v instanceof LocalDateTime) {
            return Timestamp.valueOf((LocalDateTime) v);
        }
        if (v instanceof Object[]) {
            return toArray((Object[]) v, column);
        }
        return v;
    }

    private static Array toArray(Object[] elements, Column column) throws SQLException {
        String typeName = column.getTypeName();
        String base = typeName.endsWith(" ARRAY") ? typeName.substring(0, typeName.length() - " ARRAY".length())
                : typeName;
        Object[] typed = new Object[elements.length];
        for (int i = 0; i < elements.length; i++) {
            typed[i] = arrayElement(elements[i], base);
        }
        return new FlotillaArray(base, Types.OTHER, typed);
    }

    /**
     * An element as H2's own driver gives it for the array's element type: the protocol carries
     * every integer as a long and every timestamp as a LocalDateTime, the element type says which.
     */
    private static Object arrayElement(Object v, String baseType) throws SQLException {
        if (v == null) {
            return null;
        }
        String type = baseType.toUpperCase(Locale.ROOT);
        if (type.startsWith("INTEGER") || type.startsWith("SMALLINT") || type.startsWith("TINYINT")) {
            return (int) Conversions.toLong(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        if (type.startsWith("BIGINT")) {
            return Conversions.toLong(v, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (type.startsWith("REAL")) {
            return (float) Conversions.toDouble(v);
        }
        if (type.startsWith("NUMERIC") || type.startsWith("DECIMAL") || type.startsWith("DECFLOAT")) {
            return Conversions.toBigDecimal(v);
        }
        if (v instanceof LocalDate date) {
            return Date.valueOf(date);
        }
        if (v instanceof LocalDateTime timestamp) {
            return Timestamp.valueOf(timestamp);
        }
        if (v instanceof LocalTime time) {
            return Time.valueOf(time);
        }
        return v;
    }

    @Override
    public Object getObject(int columnIndex, Map<String, Class<?>> map) throws SQLException {
        return getObject(columnIndex);
    }

    @Override
    public <T> T getObject(int columnIndex, Class<T> type) throws SQLException {
        if (type == null) {
            throw new SQLException("type is null", SqlStates.INVALID_PARAMETER_VALUE);
        }
        Object v = value(columnIndex);
        if (v == null) {
            return null;
        }
        return type.cast(convert(columnIndex, v, type));
    }

    private Object convert(int columnIndex, Object v, Class<?> type) throws SQLException {
        if (type == Object.class) {
            return getObject(columnIndex);
        }
        if (type == String.class) {
            return getString(columnIndex);
        }
        if (type == Integer.class) {
            return getInt(columnIndex);
        }
        if (type == Long.class) {
            return getLong(columnIndex);
        }
        if (type == Short.class) {
            return getShort(columnIndex);
        }
        if (type == Byte.class) {
            return getByte(columnIndex);
        }
        if (type == Boolean.class) {
            return getBoolean(columnIndex);
        }
        if (type == Double.class) {
            return getDouble(columnIndex);
        }
        if (type == Float.class) {
            return getFloat(columnIndex);
        }
        if (type == BigDecimal.class) {
            return getBigDecimal(columnIndex);
        }
        if (type == BigInteger.class) {
            return getBigDecimal(columnIndex).toBigInteger();
        }
        if (type == byte[].class) {
            return getBytes(columnIndex);
        }
        if (type == LocalDate.class) {
            return Conversions.toLocalDate(v);
        }
        if (type == LocalTime.class) {
            return Conversions.toLocalTime(v);
        }
        if (type == LocalDateTime.class) {
            return Conversions.toLocalDateTime(v);
        }
        if (type == OffsetDateTime.class) {
            return Conversions.toOffsetDateTime(v);
        }
        if (type == ZonedDateTime.class) {
            return Conversions.toOffsetDateTime(v).toZonedDateTime();
        }
        if (type == Instant.class) {
            return Conversions.toOffsetDateTime(v).toInstant();
        }
        if (type == OffsetTime.class) {
            return Conversions.toOffsetTime(v);
        }
        if (type == UUID.class) {
            return Conversions.toUuid(v);
        }
        if (type == Date.class) {
            return getDate(columnIndex);
        }
        if (type == Time.class) {
            return getTime(columnIndex);
        }
        if (type == Timestamp.class) {
            return getTimestamp(columnIndex);
        }
        if (type == Blob.class) {
            return getBlob(columnIndex);
        }
        if (type == Clob.class) {
            return getClob(columnIndex);
        }
        if (type == Array.class) {
            return getArray(columnIndex);
        }
        if (type.isInstance(v)) {
            return v;
        }
        throw Conversions.cannotConvert(v, type.getName());
    }

    // ---------------------------------------------------------------- by label

    @Override
    public String getString(String columnLabel) throws SQLException {
        return getString(findColumn(columnLabel));
    }

    @Override
    public boolean getBoolean(String columnLabel) throws SQLException {
        return getBoolean(findColumn(columnLabel));
    }

    @Override
    public byte getByte(String columnLabel) throws SQLException {
        return getByte(findColumn(columnLabel));
    }

    @Override
    public short getShort(String columnLabel) throws SQLException {
        return getShort(findColumn(columnLabel));
    }

    @Override
    public int getInt(String columnLabel) throws SQLException {
        return getInt(findColumn(columnLabel));
    }

    @Override
    public long getLong(String columnLabel) throws SQLException {
        return getLong(findColumn(columnLabel));
    }

    @Override
    public float getFloat(String columnLabel) throws SQLException {
        return getFloat(findColumn(columnLabel));
    }

    @Override
    public double getDouble(String columnLabel) throws SQLException {
        return getDouble(findColumn(columnLabel));
    }

    @Override
    @Deprecated
    public BigDecimal getBigDecimal(String columnLabel, int scale) throws SQLException {
        return getBigDecimal(findColumn(columnLabel), scale);
    }

    @Override
    public BigDecimal getBigDecimal(String columnLabel) throws SQLException {
        return getBigDecimal(findColumn(columnLabel));
    }

    @Override
    public byte[] getBytes(String columnLabel) throws SQLException {
        return getBytes(findColumn(columnLabel));
    }

    @Override
    public Date getDate(String columnLabel) throws SQLException {
        return getDate(findColumn(columnLabel));
    }

    @Override
    public Date getDate(String columnLabel, Calendar cal) throws SQLException {
        return getDate(findColumn(columnLabel), cal);
    }

    @Override
    public Time getTime(String columnLabel) throws SQLException {
        return getTime(findColumn(columnLabel));
    }

    @Override
    public Time getTime(String columnLabel, Calendar cal) throws SQLException {
        return getTime(findColumn(columnLabel), cal);
    }

    @Override
    public Timestamp getTimestamp(String columnLabel) throws SQLException {
        return getTimestamp(findColumn(columnLabel));
    }

    @Override
    public Timestamp getTimestamp(String columnLabel, Calendar cal) throws SQLException {
        return getTimestamp(findColumn(columnLabel), cal);
    }

    @Override
    public InputStream getAsciiStream(String columnLabel) throws SQLException {
        return getAsciiStream(findColumn(columnLabel));
    }

    @Override
    @Deprecated
    public InputStream getUnicodeStream(String columnLabel) throws SQLException {
        return getUnicodeStream(findColumn(columnLabel));
    }

    @Override
    public InputStream getBinaryStream(String columnLabel) throws SQLException {
        return getBinaryStream(findColumn(columnLabel));
    }

    @Override
    public Reader getCharacterStream(String columnLabel) throws SQLException {
        return getCharacterStream(findColumn(columnLabel));
    }

    @Override
    public Reader getNCharacterStream(String columnLabel) throws SQLException {
        return getNCharacterStream(findColumn(columnLabel));
    }

    @Override
    public String getNString(String columnLabel) throws SQLException {
        return getNString(findColumn(columnLabel));
    }

    @Override
    public Object getObject(String columnLabel) throws SQLException {
        return getObject(findColumn(columnLabel));
    }

    @Override
    public Object getObject(String columnLabel, Map<String, Class<?>> map) throws SQLException {
        return getObject(findColumn(columnLabel), map);
    }

    @Override
    public <T> T getObject(String columnLabel, Class<T> type) throws SQLException {
        return getObject(findColumn(columnLabel), type);
    }

    @Override
    public Ref getRef(String columnLabel) throws SQLException {
        return getRef(findColumn(columnLabel));
    }

    @Override
    public Blob getBlob(String columnLabel) throws SQLException {
        return getBlob(findColumn(columnLabel));
    }

    @Override
    public Clob getClob(String columnLabel) throws SQLException {
        return getClob(findColumn(columnLabel));
    }

    @Override
    public NClob getNClob(String columnLabel) throws SQLException {
        return getNClob(findColumn(columnLabel));
    }

    @Override
    public Array getArray(String columnLabel) throws SQLException {
        return getArray(findColumn(columnLabel));
    }

    @Override
    public URL getURL(String columnLabel) throws SQLException {
        return getURL(findColumn(columnLabel));
    }

    @Override
    public RowId getRowId(String columnLabel) throws SQLException {
        return getRowId(findColumn(columnLabel));
    }

    @Override
    public SQLXML getSQLXML(String columnLabel) throws SQLException {
        return getSQLXML(findColumn(columnLabel));
    }



    private void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLException("result set is closed", SqlStates.INVALID_CURSOR_STATE);
        }
    }
}
