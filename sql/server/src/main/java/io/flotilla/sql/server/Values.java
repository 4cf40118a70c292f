package io.flotilla.sql.server;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.LocalTimestamp;
import io.flotilla.protocol.OffsetTimestamp;
import io.flotilla.protocol.Value;
import io.flotilla.protocol.ValueArray;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Protocol values to the Java objects H2's JDBC takes, and result columns back to protocol values. */
final class Values {

    private static final Value NULL = Value.newBuilder().setIsNull(true).build();

    private Values() {
    }

    static Object toJava(Value v) {
        return switch (v.getKindCase()) {
            case IS_NULL, KIND_NOT_SET -> null;
            case BOOLEAN -> v.getBoolean();
            case LONG -> v.getLong();
            case DOUBLE -> v.getDouble();
            case DECIMAL -> new BigDecimal(v.getDecimal());
            case STRING -> v.getString();
            case BYTES -> v.getBytes().toByteArray();
            case DATE -> LocalDate.ofEpochDay(v.getDate());
            case TIME -> LocalTime.ofNanoOfDay(v.getTime());
            case TIMESTAMP -> LocalDateTime.ofEpochSecond(v.getTimestamp().getEpochSecond(), v.getTimestamp().getNano(),
                    ZoneOffset.UTC);
            case TIMESTAMP_TZ -> OffsetDateTime.ofInstant(
                    Instant.ofEpochSecond(v.getTimestampTz().getEpochSecond(), v.getTimestampTz().getNano()),
                    ZoneOffset.ofTotalSeconds(v.getTimestampTz().getOffsetSeconds()));
            case UUID -> {
                ByteBuffer b = v.getUuid().asReadOnlyByteBuffer();
                yield new UUID(b.getLong(), b.getLong());
            }
            case TIME_TZ -> OffsetTime.of(LocalTime.ofNanoOfDay(v.getTimeTz().getNanosOfDay()),
                    ZoneOffset.ofTotalSeconds(v.getTimeTz().getOffsetSeconds()));
            case ARRAY -> {
                List<Value> elements = v.getArray().getElementsList();
                Object[] out = new Object[elements.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = toJava(elements.get(i));
                }
                yield out;
            }
        };
    }

    /** Column {@code i} of the current row, typed by the column's SQL type. */
    static Value column(ResultSet rs, int i, int jdbcType) throws SQLException {
        Object o = switch (jdbcType) {
            case Types.DATE -> rs.getObject(i, LocalDate.class);
            case Types.TIME -> rs.getObject(i, LocalTime.class);
            case Types.TIMESTAMP -> rs.getObject(i, LocalDateTime.class);
            case Types.TIMESTAMP_WITH_TIMEZONE -> rs.getObject(i, OffsetDateTime.class);
            case Types.TIME_WITH_TIMEZONE -> rs.getObject(i, OffsetTime.class);
            default -> rs.getObject(i);
        };
        return rs.wasNull() ? NULL : fromJava(o);
    }

    static Value fromJava(Object o) throws SQLException {
        Value.Builder b = Value.newBuilder();
        if (o == null) {
            return NULL;
        } else if (o instanceof Boolean x) {
            b.setBoolean(x);
        } else if (o instanceof Byte || o instanceof Short || o instanceof Integer || o instanceof Long) {
            b.setLong(((Number) o).longValue());
        } else if (o instanceof Float || o instanceof Double) {
            b.setDouble(((Number) o).doubleValue());
        } else if (o instanceof BigDecimal x) {
            b.setDecimal(x.toString());
        } else if (o instanceof java.math.BigInteger x) {
            b.setDecimal(x.toString());
        } else if (o instanceof String x) {
            b.setString(x);
        } else if (o instanceof byte[] x) {
            b.setBytes(ByteString.copyFrom(x));
        } else if (o instanceof LocalDate x) {
            b.setDate(x.toEpochDay());
        } else if (o instanceof LocalTime x) {
            b.setTime(x.toNanoOfDay());
        } else if (o instanceof LocalDateTime x) {
            b.setTimestamp(LocalTimestamp.newBuilder().setEpochSecond(x.toEpochSecond(ZoneOffset.UTC)).setNano(x.getNano()));
        } else if (o instanceof OffsetDateTime x) {
            b.setTimestampTz(OffsetTimestamp.newBuilder().setEpochSecond(x.toEpochSecond()).setNano(x.getNano())
                    .setOffsetSeconds(x.getOffset().getTotalSeconds()));
        } else if (o instanceof OffsetTime x) {
            b.setTimeTz(io.flotilla.protocol.OffsetTime.newBuilder().setNanosOfDay(x.toLocalTime().toNanoOfDay())
                    .setOffsetSeconds(x.getOffset().getTotalSeconds()));
        } else if (o instanceof UUID x) {
            b.setUuid(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(x.getMostSignificantBits())
                    .putLong(x.getLeastSignificantBits()).array()));
        } else if (o instanceof Blob x) {
            b.setBytes(ByteString.copyFrom(x.getBytes(1, Math.toIntExact(x.length()))));
        } else if (o instanceof Clob x) {
            b.setString(x.getSubString(1, Math.toIntExact(x.length())));
        } else if (o instanceof Array x) {
            b.setArray(array((Object[]) x.getArray()));
        } else if (o instanceof Object[] x) {
            b.setArray(array(x));
        } else if (o instanceof java.sql.Date x) {
            b.setDate(x.toLocalDate().toEpochDay());
        } else if (o instanceof java.sql.Time x) {
            b.setTime(x.toLocalTime().toNanoOfDay());
        } else if (o instanceof java.sql.Timestamp x) {
            LocalDateTime t = x.toLocalDateTime();
            b.setTimestamp(LocalTimestamp.newBuilder().setEpochSecond(t.toEpochSecond(ZoneOffset.UTC)).setNano(t.getNano()));
        } else {
            // JSON, INTERVAL, GEOMETRY and the like travel as their text.
            b.setString(o.toString());
        }
        return b.build();
    }

    private static ValueArray array(Object[] elements) throws SQLException {
        List<Value> out = new ArrayList<>(elements.length);
        for (Object e : elements) {
            out.add(fromJava(e));
        }
        return ValueArray.newBuilder().addAllElements(out).build();
    }
}
