package io.flotilla.jdbc.fake;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.LocalTimestamp;
import io.flotilla.protocol.OffsetTimestamp;
import io.flotilla.protocol.Value;
import io.flotilla.protocol.ValueArray;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
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
import java.util.UUID;

/** The fake node's own Value conversions (written apart from the driver's, so tests cross-check). */
final class FakeValues {
    private FakeValues() {
    }

    static Object toJava(Value v) {
        switch (v.getKindCase()) {
            case BOOLEAN: return v.getBoolean();
            case LONG: return v.getLong();
            case DOUBLE: return v.getDouble();
            case DECIMAL: return new BigDecimal(v.getDecimal());
            case STRING: return v.getString();
            case BYTES: return v.getBytes().toByteArray();
            case DATE: return LocalDate.ofEpochDay(v.getDate());
            case TIME: return LocalTime.ofNanoOfDay(v.getTime());
            case TIMESTAMP: return LocalDateTime.ofEpochSecond(v.getTimestamp().getEpochSecond(),
                    v.getTimestamp().getNano(), ZoneOffset.UTC);
            case TIMESTAMP_TZ: return OffsetDateTime.ofInstant(Instant.ofEpochSecond(v.getTimestampTz().getEpochSecond(),
                    v.getTimestampTz().getNano()), ZoneOffset.ofTotalSeconds(v.getTimestampTz().getOffsetSeconds()));
            case TIME_TZ: return OffsetTime.of(LocalTime.ofNanoOfDay(v.getTimeTz().getNanosOfDay()),
                    ZoneOffset.ofTotalSeconds(v.getTimeTz().getOffsetSeconds()));
            case UUID: {
                ByteBuffer b = v.getUuid().asReadOnlyByteBuffer();
                return new UUID(b.getLong(), b.getLong());
            }
            case ARRAY: {
                Object[] a = new Object[v.getArray().getElementsCount()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = toJava(v.getArray().getElements(i));
                }
                return a;
            }
            default: return null;
        }
    }

    static Value column(ResultSet rs, int i, int jdbcType) throws SQLException {
        Object o;
        switch (jdbcType) {
            case Types.DATE: o = rs.getObject(i, LocalDate.class); break;
            case Types.TIME: o = rs.getObject(i, LocalTime.class); break;
            case Types.TIMESTAMP: o = rs.getObject(i, LocalDateTime.class); break;
            case Types.TIMESTAMP_WITH_TIMEZONE: o = rs.getObject(i, OffsetDateTime.class); break;
            case Types.TIME_WITH_TIMEZONE: o = rs.getObject(i, OffsetTime.class); break;
            case Types.BLOB: o = rs.getBytes(i); break;
            case Types.CLOB: o = rs.getString(i); break;
            case Types.ARRAY: {
                java.sql.Array a = rs.getArray(i);
                o = a == null ? null : (Object[]) a.getArray();
                break;
            }
            default: o = rs.getObject(i);
        }
        return fromJava(rs.wasNull() ? null : o);
    }

    static Value fromJava(Object o) {
        Value.Builder b = Value.newBuilder();
        if (o == null) return b.setIsNull(true).build();
        if (o instanceof Boolean) return b.setBoolean((Boolean) o).build();
        if (o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte) {
            return b.setLong(((Number) o).longValue()).build();
        }
        if (o instanceof Float || o instanceof Double) return b.setDouble(((Number) o).doubleValue()).build();
        if (o instanceof BigDecimal) return b.setDecimal(o.toString()).build();
        if (o instanceof String) return b.setString((String) o).build();
        if (o instanceof byte[]) return b.setBytes(ByteString.copyFrom((byte[]) o)).build();
        if (o instanceof LocalDate) return b.setDate(((LocalDate) o).toEpochDay()).build();
        if (o instanceof LocalTime) return b.setTime(((LocalTime) o).toNanoOfDay()).build();
        if (o instanceof LocalDateTime) {
            LocalDateTime t = (LocalDateTime) o;
            return b.setTimestamp(LocalTimestamp.newBuilder().setEpochSecond(t.toEpochSecond(ZoneOffset.UTC))
                    .setNano(t.getNano())).build();
        }
        if (o instanceof OffsetDateTime) {
            OffsetDateTime t = (OffsetDateTime) o;
            return b.setTimestampTz(OffsetTimestamp.newBuilder().setEpochSecond(t.toEpochSecond()).setNano(t.getNano())
                    .setOffsetSeconds(t.getOffset().getTotalSeconds())).build();
        }
        if (o instanceof OffsetTime) {
            OffsetTime t = (OffsetTime) o;
            return b.setTimeTz(io.flotilla.protocol.OffsetTime.newBuilder()
                    .setNanosOfDay(t.toLocalTime().toNanoOfDay()).setOffsetSeconds(t.getOffset().getTotalSeconds())).build();
        }
        if (o instanceof UUID) {
            UUID u = (UUID) o;
            return b.setUuid(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(u.getMostSignificantBits())
                    .putLong(u.getLeastSignificantBits()).array())).build();
        }
        if (o instanceof Object[]) {
            ValueArray.Builder a = ValueArray.newBuilder();
            for (Object e : (Object[]) o) {
                a.addElements(fromJava(e));
            }
            return b.setArray(a).build();
        }
        return b.setString(o.toString()).build();
    }
}
