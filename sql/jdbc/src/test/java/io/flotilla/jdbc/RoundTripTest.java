package io.flotilla.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.protocol.Request;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLSyntaxErrorException;
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
import java.time.ZoneOffset;
import java.util.Calendar;
import java.util.TimeZone;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RoundTripTest extends FakeClusterTest {

    private static final String TYPES_TABLE = "CREATE TABLE v(id INT PRIMARY KEY, b BOOLEAN, ti TINYINT, si SMALLINT,"
            + " i INT, bi BIGINT, r REAL, d DOUBLE PRECISION, n NUMERIC(20,4), s VARCHAR(100), bin VARBINARY(16),"
            + " dt DATE, tm TIME(3), ts TIMESTAMP(9), tstz TIMESTAMP(9) WITH TIME ZONE, ttz TIME WITH TIME ZONE,"
            + " u UUID, bl BLOB, cl CLOB, arr INT ARRAY)";

    @Test
    void everyStandardTypeRoundTrips() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(TYPES_TABLE);
            UUID uuid = UUID.randomUUID();
            OffsetDateTime odt = OffsetDateTime.of(2024, 5, 6, 7, 8, 9, 123456789, ZoneOffset.ofHours(2));
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO v VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
                assertEquals(20, ps.getParameterMetaData().getParameterCount());
                ps.setInt(1, 1);
                ps.setBoolean(2, true);
                ps.setByte(3, (byte) -5);
                ps.setShort(4, (short) 300);
                ps.setInt(5, 70000);
                ps.setLong(6, 1L << 40);
                ps.setFloat(7, 1.5f);
                ps.setDouble(8, 2.25);
                ps.setBigDecimal(9, new BigDecimal("12345.6789"));
                ps.setString(10, "héllo 'quoted'");
                ps.setBytes(11, new byte[] {1, 2, 3});
                ps.setDate(12, Date.valueOf("2024-02-29"));
                ps.setTime(13, new Time(Time.valueOf("13:14:15").getTime() + 250));
                ps.setTimestamp(14, Timestamp.valueOf("2024-01-02 03:04:05.123456789"));
                ps.setObject(15, odt);
                ps.setObject(16, OffsetTime.of(10, 11, 12, 0, ZoneOffset.ofHours(-3)));
                ps.setObject(17, uuid);
                ps.setBlob(18, new ByteArrayInputStream("blob".getBytes(StandardCharsets.UTF_8)));
                ps.setClob(19, new StringReader("clob text"));
                ps.setObject(20, new Object[] {1, 2, 3});
                assertEquals(1, ps.executeUpdate());
                ps.setInt(1, 2);
                for (int i = 2; i <= 20; i++) {
                    ps.setNull(i, Types.NULL);
                }
                assertEquals(1, ps.executeUpdate());
            }
            try (ResultSet rs = s.executeQuery("SELECT * FROM v ORDER BY id")) {
                assertTrue(rs.next());
                assertEquals(true, rs.getObject("B"));
                assertEquals(-5, rs.getObject("ti"));   // H2 gives Integer for TINYINT and SMALLINT
                assertEquals(300, rs.getObject("SI"));
                assertEquals(70000, rs.getObject("i"));
                assertEquals(1L << 40, rs.getObject("bi"));
                assertEquals(1.5f, rs.getObject("r"));
                assertEquals(2.25, rs.getObject("d"));
                assertEquals(new BigDecimal("12345.6789"), rs.getObject("n"));
                assertEquals("héllo 'quoted'", rs.getObject("s"));
                assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) rs.getObject("bin"));
                assertEquals(Date.valueOf("2024-02-29"), rs.getObject("dt"));
                assertEquals(LocalTime.of(13, 14, 15, 250_000_000), rs.getObject("tm", LocalTime.class));
                assertEquals(Timestamp.valueOf("2024-01-02 03:04:05.123456789"), rs.getObject("ts"));
                assertEquals(LocalDateTime.of(2024, 1, 2, 3, 4, 5, 123456789), rs.getObject("ts", LocalDateTime.class));
                assertEquals(odt, rs.getObject("tstz"));
                assertEquals(odt.toInstant(), rs.getObject("tstz", Instant.class));
                assertEquals(OffsetTime.of(10, 11, 12, 0, ZoneOffset.ofHours(-3)), rs.getObject("ttz"));
                assertEquals(uuid, rs.getObject("u"));
                assertEquals(uuid, rs.getObject("u", UUID.class));
                assertEquals("blob", new String(rs.getBlob("bl").getBytes(1, 4), StandardCharsets.UTF_8));
                assertEquals("clob text", rs.getClob("cl").getSubString(1, 9));
                assertArrayEquals(new Object[] {1, 2, 3}, (Object[]) rs.getArray("arr").getArray(), "elements typed as H2 types them");
                assertEquals(LocalDate.of(2024, 2, 29), rs.getObject("dt", LocalDate.class));
                // conversions
                assertEquals("12345.6789", rs.getString("n"));
                assertEquals(12346, rs.getInt("n"));
                assertEquals("TRUE", rs.getString("b"));
                assertEquals("2024-01-02 03:04:05.123456789", rs.getString("ts"));
                assertEquals(70000L, rs.getLong("i"));
                assertThrows(SQLDataException.class, () -> rs.getShort("i"));
                assertThrows(SQLDataException.class, () -> rs.getInt("s"));
                assertFalse(rs.wasNull());
                assertTrue(rs.next());
                for (int i = 2; i <= 20; i++) {
                    assertNull(rs.getObject(i));
                    assertTrue(rs.wasNull());
                }
                assertEquals(0, rs.getInt("i"));
                assertTrue(rs.wasNull());
                assertFalse(rs.next());
            }
        }
    }

    @Test
    void getObjectMatchesH2sOwnDriver() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(TYPES_TABLE);
            s.execute("INSERT INTO v VALUES (1, TRUE, 1, 2, 3, 4, 1.5, 2.5, 3.5, 'x', X'01', DATE '2024-01-01',"
                    + " TIME '01:02:03', TIMESTAMP '2024-01-01 01:02:03', TIMESTAMP WITH TIME ZONE '2024-01-01 01:02:03+01',"
                    + " TIME WITH TIME ZONE '01:02:03+01', RANDOM_UUID(), X'02', 'c', ARRAY[1])");
            try (Connection h2 = cluster.h2(); Statement hs = h2.createStatement();
                 ResultSet expected = hs.executeQuery("SELECT * FROM v"); ResultSet actual = s.executeQuery("SELECT * FROM v")) {
                assertTrue(expected.next());
                assertTrue(actual.next());
                ResultSetMetaData md = expected.getMetaData();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    Object e = expected.getObject(i);
                    Object a = actual.getObject(i);
                    String column = md.getColumnName(i);
                    if (e instanceof java.sql.Blob || e instanceof java.sql.Clob || e instanceof java.sql.Array) {
                        Class<?> api = e instanceof java.sql.Blob ? java.sql.Blob.class
                                : e instanceof java.sql.Clob ? java.sql.Clob.class : java.sql.Array.class;
                        assertInstanceOf(api, a, column);
                    } else {
                        assertEquals(e.getClass(), a.getClass(), column);
                        if (!(e instanceof byte[])) {
                            assertEquals(e, a, column);
                        }
                    }
                    assertEquals(expected.getString(i), actual.getString(i), column);
                    assertEquals(md.getColumnType(i), actual.getMetaData().getColumnType(i), column);
                    assertEquals(md.getColumnClassName(i), actual.getMetaData().getColumnClassName(i), column);
                }
            }
        }
    }

    @Test
    void calendarsShiftTimestampsBetweenZones() throws Exception {
        Calendar tokyo = Calendar.getInstance(TimeZone.getTimeZone("Asia/Tokyo"));
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(ts TIMESTAMP)");
            Timestamp instant = Timestamp.from(Instant.parse("2024-01-01T00:00:00Z"));
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?)")) {
                ps.setTimestamp(1, instant, tokyo);
                ps.executeUpdate();
            }
            try (ResultSet rs = s.executeQuery("SELECT ts FROM t")) {
                assertTrue(rs.next());
                assertEquals(LocalDateTime.of(2024, 1, 1, 9, 0), rs.getObject(1, LocalDateTime.class));
                assertEquals(instant, rs.getTimestamp(1, tokyo));
            }
        }
    }

    @Test
    void rowsArriveInPages() throws Exception {
        try (Connection c = connect("fetchSize=3"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t AS SELECT X AS id FROM SYSTEM_RANGE(1, 10)");
            try (ResultSet rs = s.executeQuery("SELECT id FROM t ORDER BY id")) {
                for (int i = 1; i <= 10; i++) {
                    assertTrue(rs.next());
                    assertEquals(i, rs.getInt(1));
                    assertEquals(i, rs.getRow());
                }
                assertFalse(rs.next());
            }
            assertEquals(3, node1.requests(Request.KindCase.FETCH).size());
            // Closing early closes the cursor on the node.
            s.setFetchSize(2);
            ResultSet rs = s.executeQuery("SELECT id FROM t");
            assertTrue(rs.next());
            rs.close();
            assertEquals(1, node1.requests(Request.KindCase.CLOSE_CURSOR).size());
            s.setMaxRows(4);
            try (ResultSet limited = s.executeQuery("SELECT id FROM t")) {
                int n = 0;
                while (limited.next()) {
                    n++;
                }
                assertEquals(4, n);
            }
        }
    }

    @Test
    void batchesAndGeneratedKeys() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name VARCHAR(20) UNIQUE)");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t(name) VALUES (?)", Statement.RETURN_GENERATED_KEYS)) {
                for (String name : new String[] {"a", "b", "c"}) {
                    ps.setString(1, name);
                    ps.addBatch();
                }
                assertArrayEquals(new int[] {1, 1, 1}, ps.executeBatch());
                ps.setString(1, "d");
                assertEquals(1, ps.executeUpdate());
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    assertTrue(keys.next());
                    assertEquals(4L, keys.getLong(1));
                    assertFalse(keys.next());
                }
                ps.setString(1, "a");
                ps.addBatch();
                BatchUpdateException e = assertThrows(BatchUpdateException.class, ps::executeBatch);
                assertEquals("23505", e.getSQLState());
            }
            assertEquals(1, s.executeUpdate("INSERT INTO t(name) VALUES ('e')", new String[] {"ID"}));
            try (ResultSet keys = s.getGeneratedKeys()) {
                assertTrue(keys.next());
                assertEquals(6L, keys.getLong("id"));   // the failed insert used up 5, as in H2
            }
            s.addBatch("INSERT INTO t(name) VALUES ('f')");
            s.addBatch("UPDATE t SET name = name || '!' WHERE id < 3");
            assertArrayEquals(new int[] {1, 2}, s.executeBatch());
            assertFalse(s.execute("DELETE FROM t WHERE id = 1"));
            assertEquals(1, s.getUpdateCount());
            assertTrue(s.execute("SELECT COUNT(*) FROM t"));
            try (ResultSet rs = s.getResultSet()) {
                assertTrue(rs.next());
                assertEquals(5, rs.getInt(1));
            }
            assertFalse(s.getMoreResults());
            assertEquals(-1, s.getUpdateCount());
        }
    }

    @Test
    void errorsKeepTheirSqlStates() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INT PRIMARY KEY)");
            s.execute("INSERT INTO t VALUES (1)");
            SQLException dup = assertThrows(SQLIntegrityConstraintViolationException.class,
                    () -> s.execute("INSERT INTO t VALUES (1)"));
            assertEquals("23505", dup.getSQLState());
            assertEquals(23505, dup.getErrorCode());
            assertEquals("42S02", assertThrows(SQLSyntaxErrorException.class,
                    () -> s.executeQuery("SELECT * FROM missing")).getSQLState());
            assertEquals("22012", assertThrows(SQLDataException.class,
                    () -> s.executeQuery("SELECT 1 / 0")).getSQLState());
            try (PreparedStatement ps = c.prepareStatement("SELECT ? + ?")) {
                ps.setInt(1, 1);
                assertEquals("07001", assertThrows(SQLException.class, ps::executeQuery).getSQLState());
                ps.setInt(2, 2);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(3, rs.getInt(1));
                }
            }
            // The connection is still usable after errors.
            assertTrue(c.isValid(1));
        }
    }
}
