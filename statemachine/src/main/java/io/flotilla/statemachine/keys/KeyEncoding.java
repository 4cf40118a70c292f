package io.flotilla.statemachine.keys;

import java.math.BigDecimal;
import java.sql.SQLFeatureNotSupportedException;
import org.h2.util.DateTimeUtils;
import org.h2.value.Value;
import org.h2.value.ValueDate;
import org.h2.value.ValueDecfloat;
import org.h2.value.ValueEnumBase;
import org.h2.value.ValueTime;
import org.h2.value.ValueTimeTimeZone;
import org.h2.value.ValueTimestamp;
import org.h2.value.ValueTimestampTimeZone;
import org.h2.value.ValueUuid;

/**
 * Writes H2 values as key components whose byte order is the order of H2's own comparison
 * ({@code Value.compareTo} with the default collation), and whose bytes are equal exactly when H2
 * compares the values equal.
 *
 * <p>Each encoding below mirrors the {@code compareTypeSafe} of the value's class in H2 2.3.232;
 * {@code KeyEncodingTest} holds every type to that, pairs that H2 takes for equal included. The
 * types H2 cannot sort into a stable key order of ours (intervals, JSON, arrays, rows, geometry,
 * Java objects, large objects) are refused with {@code 0A000}.
 */
public final class KeyEncoding {

    private static final String FEATURE_NOT_SUPPORTED = "0A000";

    /** Sign classes of numbers, in H2's order: −∞ < negatives < 0 < positives < +∞ < NaN. */
    private static final int NEGATIVE_INFINITY = 1;
    private static final int NEGATIVE = 2;
    private static final int ZERO = 3;
    private static final int POSITIVE = 4;
    private static final int POSITIVE_INFINITY = 5;
    private static final int NOT_A_NUMBER = 6;

    private KeyEncoding() {
    }

    /**
     * The key of a row: its table's id, then its primary key's column values in the key's order.
     *
     * @throws SQLFeatureNotSupportedException 0A000 when a key column's type cannot be a range key
     */
    public static Key rowKey(long tableId, Value... keyColumns) throws SQLFeatureNotSupportedException {
        KeyWriter writer = new KeyWriter().tableId(tableId);
        for (Value value : keyColumns) {
            append(writer, value);
        }
        return writer.toKey();
    }

    /** The first key of a table: every key of its rows starts with it, and no other table's does. */
    public static Key tablePrefix(long tableId) {
        return new KeyWriter().tableId(tableId).toKey();
    }

    /**
     * The id of the table a key belongs to: what {@link #tablePrefix} and {@link #rowKey} wrote first.
     *
     * @throws IllegalArgumentException for a key that does not begin with a table id (the empty key)
     */
    public static long tableIdOf(Key key) {
        byte[] bytes = key.toByteArray();
        int width = bytes.length == 0 ? -1 : bytes[0] & 0xFF;
        if (width < 0 || width > Long.BYTES || bytes.length < 1 + width) {
            throw new IllegalArgumentException("not a table's key: " + key);
        }
        long id = 0;
        for (int i = 1; i <= width; i++) {
            id = (id << 8) | (bytes[i] & 0xFF);
        }
        return id;
    }

    /**
     * Appends one column value of a key.
     *
     * @throws SQLFeatureNotSupportedException 0A000 when the value's type cannot be a range key
     * @throws IllegalArgumentException        for SQL NULL, which a primary key never holds
     */
    public static void append(KeyWriter writer, Value value) throws SQLFeatureNotSupportedException {
        switch (value.getValueType()) {
            case Value.NULL -> throw new IllegalArgumentException("a key column holds no NULL");
            case Value.BOOLEAN -> writer.uint8(value.getBoolean() ? 1 : 0);
            case Value.TINYINT, Value.SMALLINT, Value.INTEGER, Value.BIGINT -> writer.int64(value.getLong());
            case Value.NUMERIC -> decimal(writer, value.getBigDecimal());
            case Value.DECFLOAT -> decfloat(writer, (ValueDecfloat) value);
            case Value.REAL -> writer.int64(sortableBits(value.getFloat()));
            case Value.DOUBLE -> writer.int64(sortableBits(value.getDouble()));
            // H2 compares CHAR values as it converts them to CHAR: without trailing spaces.
            case Value.CHAR -> chars(writer, value.convertToChar().getString());
            case Value.VARCHAR -> chars(writer, value.getString());
            case Value.VARCHAR_IGNORECASE -> caseFolded(writer, value.getString());
            case Value.BINARY, Value.VARBINARY -> writer.bytes(value.getBytesNoCopy());
            case Value.DATE -> writer.int64(((ValueDate) value).getDateValue());
            case Value.TIME -> writer.int64(((ValueTime) value).getNanos());
            case Value.TIME_TZ -> {
                ValueTimeTimeZone time = (ValueTimeTimeZone) value;
                writer.int64(time.getNanos() - time.getTimeZoneOffsetSeconds() * DateTimeUtils.NANOS_PER_SECOND);
            }
            case Value.TIMESTAMP -> {
                ValueTimestamp timestamp = (ValueTimestamp) value;
                writer.int64(timestamp.getDateValue()).int64(timestamp.getTimeNanos());
            }
            case Value.TIMESTAMP_TZ -> utcTimestamp(writer, (ValueTimestampTimeZone) value);
            case Value.UUID -> {
                ValueUuid uuid = (ValueUuid) value;
                // H2 compares both halves unsigned: flipping the sign bit undoes int64's flip.
                writer.int64(uuid.getHigh() ^ Long.MIN_VALUE).int64(uuid.getLow() ^ Long.MIN_VALUE);
            }
            case Value.ENUM -> writer.int64(((ValueEnumBase) value).getInt());
            default -> throw new SQLFeatureNotSupportedException("a value of type " + value.getType()
                    + " cannot be part of the key of a table split into ranges", FEATURE_NOT_SUPPORTED);
        }
    }

    /**
     * A number: its sign class, then for non-zero values the decimal exponent of its first
     * significant digit and its significant digits, both inverted for negatives so that a larger
     * magnitude sorts first. Trailing zeros are stripped, so 1.0 and 1.00 (equal to
     * {@link BigDecimal#compareTo}, as H2 compares them) are one key.
     */
    private static void decimal(KeyWriter writer, BigDecimal value) {
        int signum = value.signum();
        if (signum == 0) {
            writer.uint8(ZERO);
            return;
        }
        BigDecimal normal = value.abs().stripTrailingZeros();
        String digits = normal.unscaledValue().toString();
        // normal = 0.d1d2d3… × 10^exponent
        long exponent = (long) digits.length() - normal.scale();
        // Digits as 1..10, never the terminator's 0. A negative number's are inverted, and end in
        // 11: a shorter digit string is a smaller magnitude, so a larger number, and must sort
        // after every longer one that shares its digits.
        int count = digits.length();
        int[] units = new int[signum > 0 ? count : count + 1];
        for (int i = 0; i < count; i++) {
            int digit = digits.charAt(i) - '0' + 1;
            units[i] = signum > 0 ? digit : 11 - digit;
        }
        writer.uint8(signum > 0 ? POSITIVE : NEGATIVE);
        if (signum > 0) {
            writer.int64(exponent);
        } else {
            units[count] = 11;
            writer.int64Descending(exponent);
        }
        writer.units(units, units.length);
    }

    private static void decfloat(KeyWriter writer, ValueDecfloat value) {
        if (value == ValueDecfloat.NAN) {
            writer.uint8(NOT_A_NUMBER);
        } else if (value == ValueDecfloat.POSITIVE_INFINITY) {
            writer.uint8(POSITIVE_INFINITY);
        } else if (value == ValueDecfloat.NEGATIVE_INFINITY) {
            writer.uint8(NEGATIVE_INFINITY);
        } else {
            decimal(writer, value.getBigDecimal());
        }
    }

    /** {@link Double#compare}'s order as a signed long: negatives have all their bits flipped. */
    private static long sortableBits(double value) {
        long bits = Double.doubleToLongBits(value);
        return bits < 0 ? ~bits ^ Long.MIN_VALUE : bits;
    }

    private static long sortableBits(float value) {
        long bits = Float.floatToIntBits(value);
        return bits < 0 ? ~bits ^ Long.MIN_VALUE : bits;
    }

    /** UTF-16 code units in order, as {@link String#compareTo} compares them. */
    private static void chars(KeyWriter writer, String value) {
        int[] units = new int[value.length()];
        for (int i = 0; i < units.length; i++) {
            units[i] = value.charAt(i);
        }
        writer.units(units, units.length);
    }

    /**
     * What {@link String#compareToIgnoreCase} compares: each code point (a surrogate pair as one)
     * folded to lower case of its upper case, in code point order; so strings that differ only in
     * case are one key. For a string with an unpaired surrogate the JDK's comparison is not an
     * order of code points (it compares such a string's chars one by one until they differ), so
     * such a value is refused rather than given a key that might sort it elsewhere.
     */
    private static void caseFolded(KeyWriter writer, String value) throws SQLFeatureNotSupportedException {
        int[] units = new int[value.length()];
        int count = 0;
        for (int i = 0; i < value.length(); ) {
            int codePoint = value.codePointAt(i);
            if (Character.getType(codePoint) == Character.SURROGATE) {
                throw new SQLFeatureNotSupportedException("a VARCHAR_IGNORECASE value with an unpaired surrogate "
                        + "(at char " + i + ") cannot be part of the key of a table split into ranges",
                        FEATURE_NOT_SUPPORTED);
            }
            units[count++] = Character.toLowerCase(Character.toUpperCase(codePoint));
            i += Character.charCount(codePoint);
        }
        writer.units(units, count);
    }

    /** The instant, as H2 compares it: the UTC date and time of day, whatever the offset. */
    private static void utcTimestamp(KeyWriter writer, ValueTimestampTimeZone value) {
        long dateValue = value.getDateValue();
        long nanos = value.getTimeNanos() - value.getTimeZoneOffsetSeconds() * DateTimeUtils.NANOS_PER_SECOND;
        if (nanos < 0) {
            nanos += DateTimeUtils.NANOS_PER_DAY;
            dateValue = DateTimeUtils.decrementDateValue(dateValue);
        } else if (nanos >= DateTimeUtils.NANOS_PER_DAY) {
            nanos -= DateTimeUtils.NANOS_PER_DAY;
            dateValue = DateTimeUtils.incrementDateValue(dateValue);
        }
        writer.int64(dateValue).int64(nanos);
    }
}
