package io.flotilla.statemachine.changes;

import static io.flotilla.statemachine.changes.CaptureTest.execute;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Random;
import java.util.TimeZone;
import org.h2.util.DateTimeUtils;
import org.junit.jupiter.api.Test;

/** Every column type a user may declare survives capture, the wire and apply bit for bit. */
class ValueRoundTripTest {

    private static final String COLUMNS = "id INT PRIMARY KEY, t TINYINT, s SMALLINT, i INT, b BIGINT,"
            + " n NUMERIC(30,9), df DECFLOAT(40), d DOUBLE PRECISION, r REAL, bo BOOLEAN,"
            + " vc VARCHAR(100), ch CHAR(10), vci VARCHAR_IGNORECASE(50), vb VARBINARY(100), bi BINARY(4),"
            + " dt DATE, tm TIME(9), tmtz TIME(9) WITH TIME ZONE, ts TIMESTAMP(9),"
            + " tstz TIMESTAMP(9) WITH TIME ZONE, u UUID, j JSON, e ENUM('sad', 'ok', 'happy'),"
            + " arr INTEGER ARRAY[10], tsarr TIMESTAMP(9) ARRAY, iv INTERVAL DAY TO SECOND(9),"
            + " ym INTERVAL YEAR TO MONTH, geo GEOMETRY, bl BLOB, cl CLOB, rw ROW(a INT, b VARCHAR(10))";

    private static final String[] ROWS = {
        "(1, -128, -32768, -2147483648, -9223372036854775808, -12345678901234567890.123456789,"
            + " 1.5E+300, 1.7976931348623157E308, 1.4E-45, TRUE, 'héllo ✓ 𝄞', 'ab', 'MiXeD',"
            + " X'00ff10', X'01020304', DATE '-0044-03-15', TIME '23:59:59.999999999',"
            + " TIME WITH TIME ZONE '01:02:03.000000001+14:00', TIMESTAMP '2021-03-14 02:30:00.123456789',"
            + " TIMESTAMP WITH TIME ZONE '2021-11-07 01:30:00.5-04:00', '00000000-0000-0000-0000-000000000001',"
            + " JSON '{\"a\":[1,2.50,null],\"b\":\"x\"}', 'happy', ARRAY[1, NULL, 3],"
            + " ARRAY[TIMESTAMP '2021-03-28 02:15:00.000000007'], INTERVAL '-3 04:05:06.123456789' DAY TO SECOND,"
            + " INTERVAL '7-11' YEAR TO MONTH, 'SRID=4326;POINT (1.5 -0.1)', X'cafe', 'short clob',"
            + " ROW(7, 'seven'))",
        "(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
            + " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
        "(3, 0, 0, 0, 0, 0.000000001, 'NaN', 'NaN', '-Infinity', FALSE, '', '', '', X'', X'00000000',"
            + " DATE '2024-02-29', TIME '00:00:00', TIME WITH TIME ZONE '00:00:00-18:00',"
            + " TIMESTAMP '1900-01-01 00:00:00', TIMESTAMP WITH TIME ZONE '2038-01-19 03:14:08+05:45',"
            + " RANDOM_UUID(), JSON '[]', 'sad', ARRAY[], ARRAY[], INTERVAL '0' DAY TO SECOND,"
            + " INTERVAL '-0-1' YEAR TO MONTH, 'POLYGON ((0 0, 0 1, 1 1, 0 0))', X'', '', ROW(NULL, NULL))",
    };

    @Test
    void everyTypeRoundTripsExactlyWhateverTheTimeZones() throws Exception {
        TimeZone original = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("America/New_York"));
        DateTimeUtils.resetCalendar();
        try (LeaderFollower pair = new LeaderFollower("types", 64 << 20, "CREATE TABLE types(" + COLUMNS + ")")) {
            pair.leader.execute("SET TIME ZONE 'Asia/Kathmandu'");
            pair.follower.execute("SET TIME ZONE 'Europe/London'");
            byte[] blob = new byte[300_000];
            new Random(42).nextBytes(blob);
            String clob = "ünïcødé ✓ 𝄞 ".repeat(20_000);
            pair.commit(c -> {
                for (String row : ROWS) {
                    execute(c, "INSERT INTO types VALUES " + row);
                }
                try (PreparedStatement lobs = c.prepareStatement("UPDATE types SET bl = ?, cl = ? WHERE id = 3")) {
                    lobs.setBytes(1, blob);
                    lobs.setString(2, clob);
                    lobs.executeUpdate();
                }
                execute(c, "UPDATE types SET d = CAST('-0.0' AS DOUBLE PRECISION), r = CAST('NaN' AS REAL) WHERE id = 1");
            });
            assertSameContent(pair);
            pair.commit(c -> execute(c, "UPDATE types SET vc = vc || '!', cl = cl || '.' WHERE id IN (1, 3)",
                    "DELETE FROM types WHERE id = 2"));
            assertSameContent(pair);
            // H2 itself stores -0.0 as 0.0 (ValueDouble.get); the follower holds exactly the leader's bits.
            assertEquals(Double.doubleToRawLongBits(doubleOf(pair.leader, 1)),
                    Double.doubleToRawLongBits(doubleOf(pair.follower, 1)));
            assertEquals("NaN\n", pair.follower.queryString("SELECT CAST(r AS VARCHAR) FROM types WHERE id = 1"));
            assertEquals(blob.length, pair.follower.queryLong("SELECT OCTET_LENGTH(bl) FROM types WHERE id = 3"));
        } finally {
            TimeZone.setDefault(original);
            DateTimeUtils.resetCalendar();
        }
    }

    private static double doubleOf(Replica replica, int id) throws Exception {
        try (Statement statement = replica.connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT d FROM types WHERE id = " + id)) {
            rows.next();
            return rows.getDouble(1);
        }
    }

    private static void assertSameContent(LeaderFollower pair) throws Exception {
        String text = "SELECT " + textColumns() + " FROM types ORDER BY id";
        assertEquals(pair.leader.queryString(text), pair.follower.queryString(text));
        assertEquals(ContentDigest.ofRows(pair.leader.connection), ContentDigest.ofRows(pair.follower.connection));
    }

    private static final String[] NAMES = {"id", "t", "s", "i", "b", "n", "df", "d", "r", "bo", "vc", "ch", "vci",
        "vb", "bi", "dt", "tm", "tmtz", "ts", "tstz", "u", "j", "e", "arr", "tsarr", "iv", "ym", "geo", "rw"};

    /** Every column rendered by H2 itself (not via Java time types), LOBs by hash. */
    private static String textColumns() {
        StringBuilder select = new StringBuilder("RAWTOHEX(HASH('SHA-256', bl)), RAWTOHEX(HASH('SHA-256', CAST(cl AS VARCHAR)))");
        for (String name : NAMES) {
            select.append(", CAST(").append(name).append(" AS VARCHAR)");
        }
        return select.toString();
    }
}
