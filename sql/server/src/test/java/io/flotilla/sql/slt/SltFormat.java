package io.flotilla.sql.slt;

import io.flotilla.sql.slt.SltRecord.SortMode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How sqllogictest turns a result into the lines it compares. Every value becomes text by its
 * column's type letter, the way the reference engine's driver (SQLite's) converts it, since the
 * corpus's expected results were made that way: {@code NULL} for a null of any type; {@code I}:
 * the integer, a real truncated toward zero, a text's leading integer (0 if none); {@code R}: the
 * number with three decimals ({@code %.3f}), a text's leading number; {@code T}: the text, an empty
 * one as {@code (empty)}, every character outside printable ASCII as {@code @}. Sorting compares
 * these texts as strcmp does; above the hash threshold the values are compared by the MD5 of each
 * value followed by a newline.
 */
public final class SltFormat {

    /** The reference runner's default; the corpus's results were made with it. */
    public static final int DEFAULT_HASH_THRESHOLD = 8;

    private static final Pattern LEADING_INTEGER = Pattern.compile("^\\s*([+-]?\\d+)");
    private static final Pattern LEADING_REAL = Pattern.compile("^\\s*([+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?)");
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private SltFormat() {
    }

    /** A value of an {@code I} column; {@code value} as JDBC's getObject gives it. */
    public static String integer(Object value) {
        if (value == null) {
            return "NULL";
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return value.toString();
        }
        if (value instanceof BigInteger b) {
            return clamp(b);
        }
        if (value instanceof BigDecimal d) {
            return clamp(d.toBigInteger());
        }
        if (value instanceof Double || value instanceof Float) {
            // (long) truncates toward zero and clamps, as SQLite's conversion of a real does.
            return Long.toString(((Number) value).longValue());
        }
        if (value instanceof Boolean b) {
            return b ? "1" : "0";
        }
        return leadingInteger(value.toString());
    }

    /** A value of an {@code R} column; {@code value} as JDBC's getObject gives it. */
    public static String real(Object value) {
        if (value == null) {
            return "NULL";
        }
        if (value instanceof Number n) {
            return threeDecimals(n.doubleValue());
        }
        if (value instanceof Boolean b) {
            return threeDecimals(b ? 1 : 0);
        }
        return threeDecimals(leadingReal(value.toString()));
    }

    /** A value of a {@code T} column; {@code text} as JDBC's getString gives it. */
    public static String text(String text) {
        if (text == null) {
            return "NULL";
        }
        if (text.isEmpty()) {
            return "(empty)";
        }
        StringBuilder printable = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            printable.append(c < ' ' || c > '~' ? '@' : c);
        }
        return printable.toString();
    }

    /** The values (row after row, {@code columns} each) in the order the sort mode asks for. */
    public static List<String> sorted(List<String> values, int columns, SortMode mode) {
        return switch (mode) {
            case NOSORT -> values;
            case VALUESORT -> values.stream().sorted().toList();
            case ROWSORT -> {
                if (columns == 0) {
                    yield values;
                }
                List<List<String>> rows = new ArrayList<>();
                for (int i = 0; i < values.size(); i += columns) {
                    rows.add(values.subList(i, i + columns));
                }
                rows.sort(SltFormat::compareRows);
                List<String> flat = new ArrayList<>(values.size());
                rows.forEach(flat::addAll);
                yield flat;
            }
        };
    }

    /** The MD5 sqllogictest compares large results by: of every value followed by a newline, in hex. */
    public static String md5(List<String> values) {
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has MD5", e);
        }
        for (String value : values) {
            md5.update(value.getBytes(StandardCharsets.UTF_8));
            md5.update((byte) '\n');
        }
        return HexFormat.of().formatHex(md5.digest());
    }

    public static String hashLine(int count, String md5) {
        return count + " values hashing to " + md5;
    }

    private static int compareRows(List<String> a, List<String> b) {
        Comparator<String> strcmp = Comparator.naturalOrder();
        for (int i = 0; i < a.size(); i++) {
            int c = strcmp.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static String threeDecimals(double d) {
        return String.format(Locale.ROOT, "%.3f", d);
    }

    private static String clamp(BigInteger b) {
        return b.max(LONG_MIN).min(LONG_MAX).toString();
    }

    /** SQLite's text-to-integer: the leading integer after white space, clamped; 0 if there is none. */
    static String leadingInteger(String text) {
        Matcher m = LEADING_INTEGER.matcher(text);
        return m.find() ? clamp(new BigInteger(m.group(1).replace("+", ""))) : "0";
    }

    /** SQLite's text-to-real: the leading number after white space; 0 if there is none. */
    static double leadingReal(String text) {
        Matcher m = LEADING_REAL.matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
