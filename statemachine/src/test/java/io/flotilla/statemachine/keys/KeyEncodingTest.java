package io.flotilla.statemachine.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.util.DateTimeUtils;
import org.h2.value.CompareMode;
import org.h2.value.ExtTypeInfoEnum;
import org.h2.value.Value;
import org.h2.value.ValueArray;
import org.h2.value.ValueBigint;
import org.h2.value.ValueBinary;
import org.h2.value.ValueBoolean;
import org.h2.value.ValueChar;
import org.h2.value.ValueDate;
import org.h2.value.ValueDecfloat;
import org.h2.value.ValueDouble;
import org.h2.value.ValueInteger;
import org.h2.value.ValueJson;
import org.h2.value.ValueNull;
import org.h2.value.ValueNumeric;
import org.h2.value.ValueReal;
import org.h2.value.ValueSmallint;
import org.h2.value.ValueTime;
import org.h2.value.ValueTimeTimeZone;
import org.h2.value.ValueTimestamp;
import org.h2.value.ValueTimestampTimeZone;
import org.h2.value.ValueTinyint;
import org.h2.value.ValueUuid;
import org.h2.value.ValueVarbinary;
import org.h2.value.ValueVarchar;
import org.h2.value.ValueVarcharIgnoreCase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The property keys rest on: for any two values of a key type, H2's comparison and the unsigned
 * byte order of their keys agree in sign, equality included. H2 itself is the oracle
 * ({@code Value.compareTo} with the database's compare mode); the generators draw from small
 * domains and mix in values H2 takes for equal (1.0 and 1.00, 'a' and 'A' ignoring case, one
 * instant in two offsets) and the edges of each type.
 *
 * <p>Each type's values are sorted by H2's order and every neighbouring pair checked, which covers
 * every pair of a total order; random pairs are checked as well. The seed is printed on failure.
 */
class KeyEncodingTest {

    private static final long SEED = Long.getLong("flotilla.keys.seed", 20261207L);
    private static final int VALUES_PER_TYPE = 3_000;

    private static Connection connection;
    private static SessionLocal session;
    private static CompareMode compareMode;

    @BeforeAll
    static void openH2() throws SQLException {
        connection = DriverManager.getConnection("jdbc:h2:mem:");
        session = (SessionLocal) connection.unwrap(JdbcConnection.class).getSession();
        compareMode = session.getDatabase().getCompareMode();
    }

    @AfterAll
    static void closeH2() throws SQLException {
        connection.close();
    }

    @Test
    void aKeyTellsItsTable() throws Exception {
        for (long id : new long[] {1, 255, 256, 65_535, 1L << 40, Long.MAX_VALUE}) {
            assertEquals(id, KeyEncoding.tableIdOf(KeyEncoding.tablePrefix(id)));
            assertEquals(id, KeyEncoding.tableIdOf(KeyEncoding.rowKey(id, ValueInteger.get(-7))));
        }
        assertThrows(IllegalArgumentException.class, () -> KeyEncoding.tableIdOf(Key.MIN));
    }

    @Test
    void integersAndBooleans() {
        check("BOOLEAN", random -> ValueBoolean.get(random.nextBoolean()));
        check("TINYINT", random -> ValueTinyint.get((byte) pick(random, Byte.MIN_VALUE, Byte.MAX_VALUE)));
        check("SMALLINT", random -> ValueSmallint.get((short) pick(random, Short.MIN_VALUE, Short.MAX_VALUE)));
        check("INTEGER", random -> ValueInteger.get((int) pick(random, Integer.MIN_VALUE, Integer.MAX_VALUE)));
        check("BIGINT", random -> ValueBigint.get(pick(random, Long.MIN_VALUE, Long.MAX_VALUE)));
    }

    @Test
    void decimalsOfEveryScaleAndSign() {
        check("NUMERIC", random -> ValueNumeric.get(decimal(random)));
        check("DECFLOAT", random -> switch (random.nextInt(12)) {
            case 0 -> ValueDecfloat.NAN;
            case 1 -> ValueDecfloat.POSITIVE_INFINITY;
            case 2 -> ValueDecfloat.NEGATIVE_INFINITY;
            default -> ValueDecfloat.get(decimal(random));
        });
    }

    @Test
    void floatingPointWithItsSpecialValues() {
        double[] special = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                Double.MIN_VALUE, -Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, 1.0, -1.0, 0.5};
        check("DOUBLE", random -> ValueDouble.get(switch (random.nextInt(3)) {
            case 0 -> special[random.nextInt(special.length)];
            case 1 -> random.nextInt(21) - 10;
            default -> Double.longBitsToDouble(random.nextLong());
        }));
        check("REAL", random -> ValueReal.get(switch (random.nextInt(3)) {
            case 0 -> (float) special[random.nextInt(special.length)];
            case 1 -> random.nextInt(21) - 10;
            default -> Float.intBitsToFloat(random.nextInt());
        }));
    }

    /** Chars across every width of the unit encoding, zero and lone surrogates included. */
    private static final char[] CHARS = {'\0', '\1', ' ', 'a', 'b', 'A', 'z', '\u007f', '\u0080', '\u00ff',
            '\u0100', '\u3fff', '\u4000', '\ud7ff', '\ud801', '\udc00', '\udc28', '\ud83d', '\ude00', '\ue000',
            '\ufffe', '\uffff'};
    /** Letters whose case folding is not one-to-one, and a pair outside the BMP (U+10400, U+10428). */
    private static final String[] CASE_PIECES = {"a", "A", "b", "B", "\u00df", "\u1e9e", "\u0130", "\u0131", "i",
            "I", "\u03a3", "\u03c3", "\u03c2", "\u00ff", "\u0178", "\ud801\udc00", "\ud801\udc28", "\ud801",
            "\udc28", "\0", "\uffff", "\ue000", "k", "\u212a", "\u01c4", "\u01c5", "\u01c6"};

    @Test
    void stringsCompareAsTheirChars() {
        check("VARCHAR", random -> ValueVarchar.get(string(random, CHARS)));
        check("CHAR", random -> ValueChar.get(string(random, CHARS)));
    }

    @Test
    void caseInsensitiveStringsAreOneKeyPerFoldedString() {
        check("VARCHAR_IGNORECASE", random -> {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(5);
            for (int i = 0; i < length; i++) {
                String piece;
                do {
                    piece = CASE_PIECES[random.nextInt(CASE_PIECES.length)];
                } while (unpairedSurrogate(piece));
                s.append(piece);
            }
            return ValueVarcharIgnoreCase.get(s.toString());
        });
    }

    /**
     * The JDK compares case-insensitively char by char until two differ, so with unpaired
     * surrogates its order is not one of code points ("A", U+0178, then the pair for U+10428 sorts
     * before "a", U+00FF, a lone high surrogate, then that pair): such values are refused, not misplaced.
     */
    @Test
    void caseInsensitiveStringsWithUnpairedSurrogatesAreRefused() {
        for (String s : List.of("\ud801", "a\udc28", "\ud801\ud801\udc28", "x\ud83d")) {
            SQLFeatureNotSupportedException refused = assertThrows(SQLFeatureNotSupportedException.class,
                    () -> KeyEncoding.rowKey(1, ValueVarcharIgnoreCase.get(s)));
            assertEquals("0A000", refused.getSQLState());
        }
        assertEquals(key(1, ValueVarcharIgnoreCase.get("\ud801\udc00")), key(1, ValueVarcharIgnoreCase.get("\ud801\udc28")),
                "a pair outside the BMP folds like any letter");
    }

    private static boolean unpairedSurrogate(String piece) {
        return piece.length() == 1 && Character.isSurrogate(piece.charAt(0));
    }

    @Test
    void bytesCompareUnsigned() {
        byte[] alphabet = {0, 1, 2, 0x7f, (byte) 0x80, (byte) 0xfe, (byte) 0xff};
        Function<Random, byte[]> bytes = random -> {
            byte[] b = new byte[random.nextInt(5)];
            for (int i = 0; i < b.length; i++) {
                b[i] = alphabet[random.nextInt(alphabet.length)];
            }
            return b;
        };
        check("VARBINARY", random -> ValueVarbinary.get(bytes.apply(random)));
        check("BINARY", random -> ValueBinary.get(bytes.apply(random)));
    }

    @Test
    void datesAndTimes() {
        check("DATE", random -> ValueDate.fromDateValue(dateValue(random)));
        check("TIME", random -> ValueTime.fromNanos(nanosOfDay(random)));
        check("TIMESTAMP", random -> ValueTimestamp.fromDateValueAndNanos(dateValue(random), nanosOfDay(random)));
    }

    @Test
    void timesWithZonesCompareAsInstants() {
        check("TIME WITH TIME ZONE", random -> {
            // A few instants seen from many offsets, so that equal instants meet often.
            long utc = nanosOfDay(random);
            int offset = offsetSeconds(random);
            long local = utc + offset * DateTimeUtils.NANOS_PER_SECOND;
            if (local < 0 || local >= DateTimeUtils.NANOS_PER_DAY) {
                return ValueTimeTimeZone.fromNanos(utc, 0);
            }
            return ValueTimeTimeZone.fromNanos(local, offset);
        });
        check("TIMESTAMP WITH TIME ZONE", random -> {
            long dateValue = dateValue(random);
            long utc = nanosOfDay(random);
            int offset = offsetSeconds(random);
            long local = utc + offset * DateTimeUtils.NANOS_PER_SECOND;
            if (local < 0) {
                local += DateTimeUtils.NANOS_PER_DAY;
                dateValue = DateTimeUtils.decrementDateValue(dateValue);
            } else if (local >= DateTimeUtils.NANOS_PER_DAY) {
                local -= DateTimeUtils.NANOS_PER_DAY;
                dateValue = DateTimeUtils.incrementDateValue(dateValue);
            }
            return ValueTimestampTimeZone.fromDateValueAndNanos(dateValue, local, offset);
        });
    }

    @Test
    void uuidsAndEnums() {
        long[] halves = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0x7fffffffL, 0x80000000L};
        check("UUID", random -> ValueUuid.get(
                random.nextBoolean() ? halves[random.nextInt(halves.length)] : random.nextLong(),
                random.nextBoolean() ? halves[random.nextInt(halves.length)] : random.nextLong()));
        String[] labels = new String[40];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = "label" + (labels.length - i); // names in the reverse of their order
        }
        ExtTypeInfoEnum type = new ExtTypeInfoEnum(labels);
        check("ENUM", random -> type.getValue(1 + random.nextInt(labels.length), session));
    }

    /** Keys of several columns order as tuples, whatever the columns' lengths: no prefix confusion. */
    @Test
    void compositeKeysOrderAsTuples() {
        Random random = new Random(SEED);
        List<Value[]> rows = new ArrayList<>();
        for (int i = 0; i < VALUES_PER_TYPE; i++) {
            rows.add(new Value[] {
                    ValueVarchar.get(string(random, new char[] {'\0', 'a', 'b', '\uffff'})),
                    ValueNumeric.get(decimal(random)),
                    ValueVarbinary.get(new byte[random.nextInt(3)])});
        }
        Comparator<Value[]> h2Order = (a, b) -> {
            for (int i = 0; i < a.length; i++) {
                int c = a[i].compareTo(b[i], session, compareMode);
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        };
        assertAgree("(VARCHAR, NUMERIC, VARBINARY)", rows, h2Order, row -> key(7, row));
    }

    @Test
    void tablesOwnDisjointContiguousSpans() throws SQLFeatureNotSupportedException {
        Random random = new Random(SEED);
        long[] ids = {0, 1, 2, 127, 128, 255, 256, 65_535, 65_536, 1L << 40, Long.MAX_VALUE};
        for (int i = 0; i < ids.length; i++) {
            Key prefix = KeyEncoding.tablePrefix(ids[i]);
            Key end = prefix.prefixEnd();
            for (int n = 0; n < 200; n++) {
                Key row = KeyEncoding.rowKey(ids[i], ValueVarchar.get(string(random, CHARS)),
                        ValueBigint.get(random.nextLong()));
                assertTrue(row.startsWith(prefix), "a row of table " + ids[i] + " outside its prefix");
                assertTrue(row.compareTo(prefix) > 0 && row.compareTo(end) < 0, "row key outside its table's span");
                if (i + 1 < ids.length) {
                    assertTrue(row.compareTo(KeyEncoding.tablePrefix(ids[i + 1])) < 0,
                            "table " + ids[i] + "'s rows not before table " + ids[i + 1]);
                }
            }
        }
        assertTrue(Key.MIN.compareTo(KeyEncoding.tablePrefix(0)) < 0);
    }

    @Test
    void typesWithoutAKeyOrderAreRefusedWith0A000() {
        for (Value value : List.of(ValueJson.fromJson("{\"a\":1}"), ValueArray.get(new Value[] {ValueInteger.get(1)}, null))) {
            SQLFeatureNotSupportedException refused = assertThrows(SQLFeatureNotSupportedException.class,
                    () -> KeyEncoding.rowKey(1, value));
            assertEquals("0A000", refused.getSQLState());
        }
        assertThrows(IllegalArgumentException.class, () -> KeyEncoding.rowKey(1, ValueVarchar.get("a"), ValueNull.INSTANCE));
    }

    /** The stored values of a real table: H2 refuses as duplicate exactly the keys that are equal. */
    @Test
    void h2RefusesAsDuplicateExactlyTheValuesThatShareAKey() throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE dup(n NUMERIC(20, 5) PRIMARY KEY)");
            statement.execute("INSERT INTO dup VALUES (1.5)");
            assertDuplicate(statement, "INSERT INTO dup VALUES (1.50000)");
            statement.execute("CREATE TABLE dupci(s VARCHAR_IGNORECASE PRIMARY KEY)");
            statement.execute("INSERT INTO dupci VALUES ('Stra\u00dfe')");
            assertDuplicate(statement, "INSERT INTO dupci VALUES ('STRA\u00dfE')");
            statement.execute("CREATE TABLE duptz(t TIMESTAMP WITH TIME ZONE PRIMARY KEY)");
            statement.execute("INSERT INTO duptz VALUES (TIMESTAMP WITH TIME ZONE '2026-12-07 10:00:00+00')");
            assertDuplicate(statement, "INSERT INTO duptz VALUES (TIMESTAMP WITH TIME ZONE '2026-12-07 11:00:00+01')");
        }
        assertEquals(key(1, ValueNumeric.get(new BigDecimal("1.5"))), key(1, ValueNumeric.get(new BigDecimal("1.50000"))));
        assertEquals(key(1, ValueVarcharIgnoreCase.get("Stra\u00dfe")), key(1, ValueVarcharIgnoreCase.get("STRA\u00dfE")));
    }

    private static void assertDuplicate(Statement statement, String insert) {
        SQLException refused = assertThrows(SQLException.class, () -> statement.execute(insert));
        assertEquals("23505", refused.getSQLState(), refused.getMessage());
    }

    private static void check(String type, Function<Random, Value> generator) {
        Random random = new Random(SEED ^ type.hashCode());
        List<Value[]> values = new ArrayList<>(VALUES_PER_TYPE);
        for (int i = 0; i < VALUES_PER_TYPE; i++) {
            values.add(new Value[] {generator.apply(random)});
        }
        assertAgree(type, values, (a, b) -> a[0].compareTo(b[0], session, compareMode), row -> key(3, row));
    }

    private static void assertAgree(String type, List<Value[]> rows, Comparator<Value[]> h2Order,
                                    Function<Value[], Key> keyOf) {
        List<Value[]> sorted = new ArrayList<>(rows);
        sorted.sort(h2Order);
        for (int i = 1; i < sorted.size(); i++) {
            assertPair(type, sorted.get(i - 1), sorted.get(i), h2Order, keyOf);
        }
        Random random = new Random(SEED);
        for (int i = 0; i < rows.size(); i++) {
            assertPair(type, rows.get(random.nextInt(rows.size())), rows.get(random.nextInt(rows.size())), h2Order, keyOf);
        }
    }

    private static void assertPair(String type, Value[] a, Value[] b, Comparator<Value[]> h2Order,
                                   Function<Value[], Key> keyOf) {
        int h2 = Integer.signum(h2Order.compare(a, b));
        Key ka = keyOf.apply(a);
        Key kb = keyOf.apply(b);
        int bytes = Integer.signum(ka.compareTo(kb));
        if (h2 != bytes) {
            fail(type + " (seed " + SEED + "): H2 compares " + show(a) + " to " + show(b) + " as " + h2
                    + " but their keys " + ka + " and " + kb + " as " + bytes);
        }
        assertEquals(h2 == 0, ka.equals(kb));
    }

    private static String show(Value[] row) {
        StringBuilder s = new StringBuilder("(");
        for (Value v : row) {
            s.append(s.length() > 1 ? ", " : "").append(v.getTraceSQL());
        }
        return s.append(')').toString();
    }

    private static Key key(long tableId, Value... row) {
        try {
            return KeyEncoding.rowKey(tableId, row);
        } catch (SQLFeatureNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    private static long pick(Random random, long min, long max) {
        return switch (random.nextInt(4)) {
            case 0 -> random.nextBoolean() ? min : max;
            case 1 -> random.nextInt(11) - 5;
            default -> min + (long) (random.nextDouble() * ((double) max - (double) min));
        };
    }

    /** Values that often are equal at different scales (10, 10.0, 1E+1) or differ only far down. */
    private static BigDecimal decimal(Random random) {
        BigInteger unscaled = switch (random.nextInt(4)) {
            case 0 -> BigInteger.valueOf(random.nextInt(201) - 100);
            case 1 -> BigInteger.valueOf(random.nextInt(11) - 5).multiply(BigInteger.TEN.pow(random.nextInt(6)));
            case 2 -> new BigInteger(130, random).subtract(BigInteger.ONE.shiftLeft(129));
            default -> BigInteger.valueOf(random.nextLong());
        };
        return new BigDecimal(unscaled, random.nextInt(12));
    }

    private static String string(Random random, char[] alphabet) {
        char[] chars = new char[random.nextInt(5)];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return new String(chars);
    }

    private static long dateValue(Random random) {
        int[] years = {-999_999, -1, 0, 1, 1970, 2000, 2026, 9999, 999_999};
        int year = random.nextBoolean() ? years[random.nextInt(years.length)] : 1990 + random.nextInt(60);
        int month = 1 + random.nextInt(12);
        int day = 1 + random.nextInt(DateTimeUtils.getDaysInMonth(year, month));
        return DateTimeUtils.dateValue(year, month, day);
    }

    private static long nanosOfDay(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> DateTimeUtils.NANOS_PER_DAY - 1;
            case 2 -> random.nextInt(48) * 30 * DateTimeUtils.NANOS_PER_MINUTE;
            default -> (long) (random.nextDouble() * DateTimeUtils.NANOS_PER_DAY);
        };
    }

    private static int offsetSeconds(Random random) {
        return random.nextBoolean() ? (random.nextInt(37) - 18) * 3600 : (random.nextInt(18 * 3600 * 2 + 1) - 18 * 3600);
    }
}
