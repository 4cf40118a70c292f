package io.flotilla.jdbc;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.LocalTimestamp;
import io.flotilla.protocol.OffsetTimestamp;
import io.flotilla.protocol.Value;
import io.flotilla.protocol.ValueArray;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Calendar;
import java.util.UUID;

/** Java parameter values to protocol Values, bound on the client as the protocol has no prepare. */
final class ParameterValues {
    static final Value NULL = Value.newBuilder().setIsNull(true).build();

    private ParameterValues() {
    }

    static Value of(Object x) throws SQLException {
        if (x == null) {
            return NULL;
        }
        Value.Builder b = Value.newBuilder();
        if (x instanceof Boolean) {
            return b.setBoolean((Boolean) x).build();
        }
        if (x instanceof Byte || x instanceof Short || x instanceof Integer || x instanceof Long) {
            return b.setLong(((Number) x).longValue()).build();
        }
        if (x instanceof Float || x instanceof Double) {
            return b.setDouble(((Number) x).doubleValue()).build();
        }
        if (x instanceof BigDecimal) {
            return b.setDecimal(x.toString()).build();
        }
        if (x instanceof BigInteger) {
            return b.setDecimal(x.toString()).build();
        }
        if (x instanceof String || x instanceof Character) {
            return b.setString(x.toString()).build();
        }
        if (x instanceof byte[]) {
            return b.setBytes(ByteString.copyFrom((byte[]) x)).build();
        }
        // java.sql types before java.util.Date, which they extend.
        if (x instanceof java.sql.Date) {
            return date(((java.sql.Date) x).toLocalDate());
        }
        if (x instanceof java.sql.Time) {
            return time(Instant.ofEpochMilli(((java.sql.Time) x).getTime()).atZone(ZoneId.systemDefault()).toLocalTime());
        }
        if (x instanceof java.sql.Timestamp) {
            return timestamp(((java.sql.Timestamp) x).toLocalDateTime());
        }
        if (x instanceof java.util.Date) {
            return timestamp(LocalDateTime.ofInstant(((java.util.Date) x).toInstant(), ZoneId.systemDefault()));
        }
        if (x instanceof Calendar) {
            Calendar c = (Calendar) x;
            return timestampTz(ZonedDateTime.ofInstant(c.toInstant(), c.getTimeZone().toZoneId()).toOffsetDateTime());
        }
        if (x instanceof LocalDate) {
            return date((LocalDate) x);
        }
        if (x instanceof LocalTime) {
            return time((LocalTime) x);
        }
        if (x instanceof LocalDateTime) {
            return timestamp((LocalDateTime) x);
        }
        if (x instanceof OffsetDateTime) {
            return timestampTz((OffsetDateTime) x);
        }
        if (x instanceof ZonedDateTime) {
            return timestampTz(((ZonedDateTime) x).toOffsetDateTime());
        }
        if (x instanceof Instant) {
            return timestampTz(((Instant) x).atOffset(ZoneOffset.UTC));
        }
        if (x instanceof OffsetTime) {
            OffsetTime t = (OffsetTime) x;
            return b.setTimeTz(io.flotilla.protocol.OffsetTime.newBuilder()
                    .setNanosOfDay(t.toLocalTime().toNanoOfDay())
                    .setOffsetSeconds(t.getOffset().getTotalSeconds())).build();
        }
        if (x instanceof UUID) {
            UUID u = (UUID) x;
            ByteBuffer buf = ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
            return b.setUuid(ByteString.copyFrom(buf.array())).build();
        }
        if (x instanceof Object[]) {
            ValueArray.Builder a = ValueArray.newBuilder();
            for (Object e : (Object[]) x) {
                a.addElements(of(e));
            }
            return b.setArray(a).build();
        }
        if (x instanceof Array) {
            return of(((Array) x).getArray());
        }
        if (x instanceof Blob) {
            Blob blob = (Blob) x;
            return of(readFully(blob.getBinaryStream(), -1));
        }
        if (x instanceof Clob) {
            Clob clob = (Clob) x;
            return of(readFully(clob.getCharacterStream(), -1));
        }
        if (x instanceof InputStream) {
            return of(readFully((InputStream) x, -1));
        }
        if (x instanceof Reader) {
            return of(readFully((Reader) x, -1));
        }
        throw new SQLFeatureNotSupportedException("parameters of type " + x.getClass().getName() + " are not supported");
    }

    /** setObject with a target SQL type: converts first, as the server binds what it receives. */
    static Value of(Object x, int targetSqlType) throws SQLException {
        if (x == null) {
            return NULL;
        }
        switch (targetSqlType) {
            case Types.BIT:
            case Types.BOOLEAN:
                return of(Conversions.toBoolean(x));
            case Types.TINYINT:
            case Types.SMALLINT:
            case Types.INTEGER:
            case Types.BIGINT:
                return of(Conversions.toLong(x, Long.MIN_VALUE, Long.MAX_VALUE));
            case Types.REAL:
            case Types.FLOAT:
            case Types.DOUBLE:
                return of(Conversions.toDouble(x));
            case Types.NUMERIC:
            case Types.DECIMAL:
                return of(Conversions.toBigDecimal(x));
            case Types.CHAR:
            case Types.VARCHAR:
            case Types.LONGVARCHAR:
            case Types.NCHAR:
            case Types.NVARCHAR:
            case Types.LONGNVARCHAR:
            case Types.CLOB:
            case Types.NCLOB:
                return x instanceof Reader || x instanceof Clob ? of(x) : of(Conversions.toStringValue(x, Types.VARCHAR));
            case Types.BINARY:
            case Types.VARBINARY:
            case Types.LONGVARBINARY:
            case Types.BLOB:
                return x instanceof InputStream || x instanceof Blob ? of(x) : of(Conversions.toBytes(x));
            case Types.DATE:
                return date(Conversions.toLocalDate(x));
            case Types.TIME:
                return time(Conversions.toLocalTime(x));
            case Types.TIMESTAMP:
                return timestamp(Conversions.toLocalDateTime(x));
            case Types.TIMESTAMP_WITH_TIMEZONE:
                return timestampTz(Conversions.toOffsetDateTime(x));
            default:
                return of(x);
        }
    }

    static Value date(LocalDate d) {
        return Value.newBuilder().setDate(d.toEpochDay()).build();
    }

    static Value time(LocalTime t) {
        return Value.newBuilder().setTime(t.toNanoOfDay()).build();
    }

    static Value timestamp(LocalDateTime t) {
        return Value.newBuilder().setTimestamp(LocalTimestamp.newBuilder()
                .setEpochSecond(t.toEpochSecond(ZoneOffset.UTC)).setNano(t.getNano())).build();
    }

    static Value timestampTz(OffsetDateTime t) {
        return Value.newBuilder().setTimestampTz(OffsetTimestamp.newBuilder()
                .setEpochSecond(t.toEpochSecond()).setNano(t.getNano())
                .setOffsetSeconds(t.getOffset().getTotalSeconds())).build();
    }

    /** Reads a stream to its end (or {@code length} bytes if >= 0); the caller owns the stream. */
    static byte[] readFully(InputStream in, long length) throws SQLException {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            long remaining = length < 0 ? Long.MAX_VALUE : length;
            while (remaining > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, remaining));
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
                remaining -= n;
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new SQLDataException("cannot read the parameter stream: " + e.getMessage(), "22000", e);
        }
    }

    static String readFully(Reader in, long length) throws SQLException {
        try {
            StringBuilder out = new StringBuilder();
            char[] buf = new char[8192];
            long remaining = length < 0 ? Long.MAX_VALUE : length;
            while (remaining > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, remaining));
                if (n < 0) {
                    break;
                }
                out.append(buf, 0, n);
                remaining -= n;
            }
            return out.toString();
        } catch (IOException e) {
            throw new SQLDataException("cannot read the parameter reader: " + e.getMessage(), "22000", e);
        }
    }
}
