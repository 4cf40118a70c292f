package io.flotilla.jdbc;

import io.flotilla.protocol.Value;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Protocol Values to their canonical Java form: Boolean, Long, Double, BigDecimal, String, byte[],
 * LocalDate, LocalTime, LocalDateTime, OffsetDateTime, OffsetTime, UUID, Object[] or null. The
 * JDBC-facing types are derived from these by {@link Conversions}.
 */
final class ValueDecoder {

    private ValueDecoder() {
    }

    static Object decode(Value v) {
        switch (v.getKindCase()) {
            case BOOLEAN:
                return v.getBoolean();
            case LONG:
                return v.getLong();
            case DOUBLE:
                return v.getDouble();
            case DECIMAL:
                return new BigDecimal(v.getDecimal());
            case STRING:
                return v.getString();
            case BYTES:
                return v.getBytes().toByteArray();
            case DATE:
                return LocalDate.ofEpochDay(v.getDate());
            case TIME:
                return LocalTime.ofNanoOfDay(v.getTime());
            case TIMESTAMP:
                return LocalDateTime.ofEpochSecond(v.getTimestamp().getEpochSecond(), v.getTimestamp().getNano(),
                        ZoneOffset.UTC);
            case TIMESTAMP_TZ:
                return OffsetDateTime.ofInstant(
                        Instant.ofEpochSecond(v.getTimestampTz().getEpochSecond(), v.getTimestampTz().getNano()),
                        ZoneOffset.ofTotalSeconds(v.getTimestampTz().getOffsetSeconds()));
            case UUID: {
                ByteBuffer b = v.getUuid().asReadOnlyByteBuffer();
                return new UUID(b.getLong(), b.getLong());
            }
            case TIME_TZ:
                return OffsetTime.of(LocalTime.ofNanoOfDay(v.getTimeTz().getNanosOfDay()),
                        ZoneOffset.ofTotalSeconds(v.getTimeTz().getOffsetSeconds()));
            case ARRAY: {
                Object[] elements = new Object[v.getArray().getElementsCount()];
                for (int i = 0; i < elements.length; i++) {
                    elements[i] = decode(v.getArray().getElements(i));
                }
                return elements;
            }
            case IS_NULL:
            case KIND_NOT_SET:
            default:
                return null;
        }
    }
}
