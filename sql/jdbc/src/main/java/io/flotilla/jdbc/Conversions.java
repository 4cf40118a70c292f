package io.flotilla.jdbc;

import io.flotilla.protocol.wire.SqlStates;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;

/**
 * Conversions between the canonical Java forms of {@link ValueDecoder} and what a getter asks for,
 * following H2's rules where they matter (rounding of decimals to integers, text of values).
 */
final class Conversions {

    private Conversions() {
    }

    static String toStringValue(Object o, int jdbcType) {
        if (o == null) {
            return null;
        }
        if (o instanceof String) {
            return (String) o;
        }
        if (o instanceof Boolean) {
            return ((Boolean) o) ? "TRUE" : "FALSE";
        }
        if (o instanceof Double && jdbcType == Types.REAL) {
            return Float.toString(((Double) o).floatValue());
        }
        if (o instanceof BigDecimal) {
            return ((BigDecimal) o).toString();
        }
        if (o instanceof byte[]) {
            return new String((byte[]) o, StandardCharsets.UTF_8);   // as H2 casts binary to text
        }
        if (o instanceof LocalTime) {
            return timeText((LocalTime) o);
        }
        if (o instanceof LocalDateTime) {
            LocalDateTime t = (LocalDateTime) o;
            return t.toLocalDate() + " " + timeText(t.toLocalTime());
        }
        if (o instanceof OffsetDateTime) {
            OffsetDateTime t = (OffsetDateTime) o;
            return t.toLocalDate() + " " + timeText(t.toLocalTime()) + offsetText(t.getOffset());
        }
        if (o instanceof OffsetTime) {
            OffsetTime t = (OffsetTime) o;
            return timeText(t.toLocalTime()) + offsetText(t.getOffset());
        }
        if (o instanceof Object[]) {
            return Arrays.deepToString((Object[]) o);
        }
        return o.toString();
    }

    /** H2's text of a time: always seconds, and the fraction without trailing zeros. */
    private static String timeText(LocalTime t) {
        String s = String.format(Locale.ROOT, "%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
        if (t.getNano() == 0) {
            return s;
        }
        String fraction = String.format(Locale.ROOT, "%09d", t.getNano()).replaceAll("0+$", "");
        return s + "." + fraction;
    }

    private static String offsetText(ZoneOffset offset) {
        int total = offset.getTotalSeconds();
        String sign = total < 0 ? "-" : "+";
        total = Math.abs(total);
        String s = String.format(Locale.ROOT, "%s%02d", sign, total / 3600);
        if (total % 3600 != 0) {
            s += String.format(Locale.ROOT, ":%02d", (total % 3600) / 60);
        }
        return s;
    }

    static boolean toBoolean(Object o) throws SQLException {
        if (o == null) {
            return false;
        }
        if (o instanceof Boolean) {
            return (Boolean) o;
        }
        if (o instanceof Number) {
            return toBigDecimal(o).signum() != 0;
        }
        if (o instanceof String) {
            String s = ((String) o).trim().toLowerCase(Locale.ROOT);
            switch (s) {
                case "true": case "t": case "yes": case "y": case "on": case "1":
                    return true;
                case "false": case "f": case "no": case "n": case "off": case "0":
                    return false;
                default:
                    break;
            }
        }
        throw cannotConvert(o, "BOOLEAN");
    }

    /** An integer in [min, max]; decimals round half up, as H2 does when it casts them. */
    static long toLong(Object o, long min, long max) throws SQLException {
        if (o == null) {
            return 0;
        }
        long v;
        if (o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte) {
            v = ((Number) o).longValue();
        } else if (o instanceof Boolean) {
            v = ((Boolean) o) ? 1 : 0;
        } else if (o instanceof Double || o instanceof Float) {
            double d = ((Number) o).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw outOfRange(o);
            }
            v = toLongExact(BigDecimal.valueOf(d), o);
        } else {
            v = toLongExact(toBigDecimal(o), o);
        }
        if (v < min || v > max) {
            throw outOfRange(o);
        }
        return v;
    }

    private static long toLongExact(BigDecimal d, Object original) throws SQLException {
        try {
            return d.setScale(0, RoundingMode.HALF_UP).longValueExact();
        } catch (ArithmeticException e) {
            throw outOfRange(original);
        }
    }

    static double toDouble(Object o) throws SQLException {
        if (o == null) {
            return 0;
        }
        if (o instanceof Number) {
            return ((Number) o).doubleValue();
        }
        if (o instanceof Boolean) {
            return ((Boolean) o) ? 1 : 0;
        }
        if (o instanceof String) {
            try {
                return Double.parseDouble(((String) o).trim());
            } catch (NumberFormatException e) {
                throw cannotConvert(o, "DOUBLE PRECISION");
            }
        }
        throw cannotConvert(o, "DOUBLE PRECISION");
    }

    static BigDecimal toBigDecimal(Object o) throws SQLException {
        if (o == null) {
            return null;
        }
        if (o instanceof BigDecimal) {
            return (BigDecimal) o;
        }
        if (o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte) {
            return BigDecimal.valueOf(((Number) o).longValue());
        }
        if (o instanceof BigInteger) {
            return new BigDecimal((BigInteger) o);
        }
        if (o instanceof Double || o instanceof Float) {
            double d = ((Number) o).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw cannotConvert(o, "NUMERIC");
            }
            return BigDecimal.valueOf(d);
        }
        if (o instanceof Boolean) {
            return ((Boolean) o) ? BigDecimal.ONE : BigDecimal.ZERO;
        }
        if (o instanceof String) {
            try {
                return new BigDecimal(((String) o).trim());
            } catch (NumberFormatException e) {
                throw cannotConvert(o, "NUMERIC");
            }
        }
        throw cannotConvert(o, "NUMERIC");
    }

    static byte[] toBytes(Object o) throws SQLException {
        if (o == null) {
            return null;
        }
        if (o instanceof byte[]) {
            return (byte[]) o;
        }
        if (o instanceof String) {
            return ((String) o).getBytes(StandardCharsets.UTF_8);
        }
        if (o instanceof UUID) {
            UUID u = (UUID) o;
            return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
        }
        throw cannotConvert(o, "VARBINARY");
    }

    static UUID toUuid(Object o) throws SQLException {
        if (o == null) {
            return null;
        }
        if (o instanceof UUID) {
            return (UUID) o;
        }
        if (o instanceof String) {
            try {
                return UUID.fromString(((String) o).trim());
            } catch (IllegalArgumentException e) {
                throw cannotConvert(o, "UUID");
            }
        }
        if (o instanceof byte[] && ((byte[]) o).length == 16) {
            ByteBuffer b = ByteBuffer.wrap((byte[]) o);
            return new UUID(b.getLong(), b.getLong());
        }
        throw cannotConvert(o, "UUID");
    }

    static LocalDate toLocalDate(Object o) throws SQLException {
        if (o == null || o instanceof LocalDate) {
            return (LocalDate) o;
        }
        if (o instanceof LocalDateTime) {
            return ((LocalDateTime) o).toLocalDate();
        }
        if (o instanceof OffsetDateTime) {
            return toLocalDateTime(o).toLocalDate();
        }
        if (o instanceof java.sql.Date) {
            return ((java.sql.Date) o).toLocalDate();
        }
        if (o instanceof java.sql.Timestamp) {
            return ((java.sql.Timestamp) o).toLocalDateTime().toLocalDate();
        }
        if (o instanceof String) {
            String s = ((String) o).trim();
            try {
                return LocalDate.parse(s.length() > 10 ? s.substring(0, 10) : s);
            } catch (DateTimeParseException e) {
                throw cannotConvert(o, "DATE");
            }
        }
        throw cannotConvert(o, "DATE");
    }

    static LocalTime toLocalTime(Object o) throws SQLException {
        if (o == null || o instanceof LocalTime) {
            return (LocalTime) o;
        }
        if (o instanceof LocalDateTime) {
            return ((LocalDateTime) o).toLocalTime();
        }
        if (o instanceof OffsetTime) {
            return ((OffsetTime) o).toLocalTime();
        }
        if (o instanceof OffsetDateTime) {
            return toLocalDateTime(o).toLocalTime();
        }
        if (o instanceof java.sql.Time) {
            return Instant.ofEpochMilli(((java.sql.Time) o).getTime()).atZone(ZoneId.systemDefault()).toLocalTime();
        }
        if (o instanceof java.sql.Timestamp) {
            return ((java.sql.Timestamp) o).toLocalDateTime().toLocalTime();
        }
        if (o instanceof String) {
            try {
                return LocalTime.parse(((String) o).trim());
            } catch (DateTimeParseException e) {
                throw cannotConvert(o, "TIME");
            }
        }
        throw cannotConvert(o, "TIME");
    }

    /** Zoned values become the JVM's local time of the same instant, as in H2's JDBC driver. */
    static LocalDateTime toLocalDateTime(Object o) throws SQLException {
        if (o == null || o instanceof LocalDateTime) {
            return (LocalDateTime) o;
        }
        if (o instanceof LocalDate) {
            return ((LocalDate) o).atStartOfDay();
        }
        if (o instanceof OffsetDateTime) {
            return ((OffsetDateTime) o).atZoneSameInstant(ZoneId.systemDefault()).toLocalDateTime();
        }
        if (o instanceof java.sql.Timestamp) {
            return ((java.sql.Timestamp) o).toLocalDateTime();
        }
        if (o instanceof java.sql.Date) {
            return ((java.sql.Date) o).toLocalDate().atStartOfDay();
        }
        if (o instanceof java.util.Date) {
            return LocalDateTime.ofInstant(((java.util.Date) o).toInstant(), ZoneId.systemDefault());
        }
        if (o instanceof Instant) {
            return LocalDateTime.ofInstant((Instant) o, ZoneId.systemDefault());
        }
        if (o instanceof String) {
            try {
                return LocalDateTime.parse(((String) o).trim().replace(' ', 'T'));
            } catch (DateTimeParseException e) {
                throw cannotConvert(o, "TIMESTAMP");
            }
        }
        throw cannotConvert(o, "TIMESTAMP");
    }

    /** Local values are taken as the JVM's local time. */
    static OffsetDateTime toOffsetDateTime(Object o) throws SQLException {
        if (o == null || o instanceof OffsetDateTime) {
            return (OffsetDateTime) o;
        }
        if (o instanceof Instant) {
            return ((Instant) o).atOffset(ZoneOffset.UTC);
        }
        if (o instanceof String) {
            String s = ((String) o).trim().replace(' ', 'T');
            try {
                return OffsetDateTime.parse(s);
            } catch (DateTimeParseException e) {
                // H2 writes offsets as +01: widen to +01:00 and try once more.
                try {
                    return OffsetDateTime.parse(s.matches(".*[+-]\\d\\d$") ? s + ":00" : s);
                } catch (DateTimeParseException e2) {
                    throw cannotConvert(o, "TIMESTAMP WITH TIME ZONE");
                }
            }
        }
        LocalDateTime local = toLocalDateTime(o);
        return local.atZone(ZoneId.systemDefault()).toOffsetDateTime();
    }

    static OffsetTime toOffsetTime(Object o) throws SQLException {
        if (o == null || o instanceof OffsetTime) {
            return (OffsetTime) o;
        }
        if (o instanceof OffsetDateTime) {
            return ((OffsetDateTime) o).toOffsetTime();
        }
        if (o instanceof String) {
            try {
                return OffsetTime.parse(((String) o).trim());
            } catch (DateTimeParseException e) {
                throw cannotConvert(o, "TIME WITH TIME ZONE");
            }
        }
        throw cannotConvert(o, "TIME WITH TIME ZONE");
    }

    static SQLDataException cannotConvert(Object o, String target) {
        String shown = o instanceof byte[] ? "binary value" : "'" + o + "'";
        return new SQLDataException("cannot convert " + shown + " (" + o.getClass().getSimpleName() + ") to " + target,
                SqlStates.INVALID_CHARACTER_VALUE_FOR_CAST);
    }

    private static SQLDataException outOfRange(Object o) {
        return new SQLDataException("numeric value out of range: " + o, SqlStates.NUMERIC_OUT_OF_RANGE);
    }
}
