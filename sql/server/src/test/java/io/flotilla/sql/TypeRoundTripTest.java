package io.flotilla.sql;

import io.flotilla.sql.node.Node;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Values that are easy to get almost right, written through the driver on three nodes and read
 * back exactly: through the driver, and from every replica's own database (so through the row
 * images the log carried, not just the leader's H2).
 */
class TypeRoundTripTest {

    private static final BigDecimal HUGE = new BigDecimal("-12345678901234567890123456.0123456789");
    private static final BigDecimal TINY = new BigDecimal("0.0000000001");
    private static final OffsetDateTime AT = OffsetDateTime.of(2026, 12, 7, 3, 4, 5, 123_456_789, ZoneOffset.ofHoursMinutes(5, 45));
    private static final UUID TOKEN = UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e");
    /** In H2's normal form (it would store an escaped \u00e9 as the character itself). */
    private static final String JSON = "{\"name\":\"ann\",\"tags\":[1,2.5,null,true],\"nested\":{\"x\":\"é\"}}";

    @Test
    void largeObjectsDecimalsZonedTimestampsUuidsArraysAndJsonRoundTripExactly() throws Exception {
        byte[] blob = new byte[1 << 20];
        new Random(42).nextBytes(blob);
        String clob = "grüße, 世界 ".repeat(60_000);   // about 1 MiB of UTF-8, not all of it ASCII
        try (LocalNodes nodes = new LocalNodes(3); Connection c = DriverManager.getConnection(nodes.url())) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE VALS(ID INT PRIMARY KEY, B BLOB, C CLOB, D DECIMAL(38, 10), E DECIMAL(38, 10), "
                        + "T TIMESTAMP(9) WITH TIME ZONE, U UUID, A INTEGER ARRAY, S VARCHAR(10) ARRAY, J JSON)");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO VALS VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ? FORMAT JSON)")) {
                ps.setInt(1, 1);
                ps.setBytes(2, blob);
                ps.setString(3, clob);
                ps.setBigDecimal(4, HUGE);
                ps.setBigDecimal(5, TINY);
                ps.setObject(6, AT);
                ps.setObject(7, TOKEN);
                ps.setArray(8, c.createArrayOf("INTEGER", new Integer[] {3, null, -7}));
                ps.setArray(9, c.createArrayOf("VARCHAR", new String[] {"a", "", null}));
                ps.setString(10, JSON);
                assertEquals(1, ps.executeUpdate());
            }
            try (Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT B, C, D, E, T, U, A, S, J FROM VALS WHERE ID = 1")) {
                assertTrue(r.next());
                Blob b = r.getBlob(1);
                assertArrayEquals(blob, b.getBytes(1, (int) b.length()));
                Clob text = r.getClob(2);
                assertEquals(clob, text.getSubString(1, (int) text.length()));
                assertEquals(HUGE, r.getBigDecimal(3));
                assertEquals(TINY, r.getBigDecimal(4));
                assertEquals(AT, r.getObject(5, OffsetDateTime.class));
                assertEquals(TOKEN, r.getObject(6, UUID.class));
                assertEquals(Arrays.asList(3, null, -7), Arrays.asList((Object[]) r.getArray(7).getArray()));
                assertEquals(Arrays.asList("a", "", null), Arrays.asList((Object[]) r.getArray(8).getArray()));
                assertEquals(JSON, new String(r.getBytes(9), StandardCharsets.UTF_8));
            }
            List<String> reference = replicaValues(nodes.node(nodes.awaitServing()));
            Eventually.await("every replica applied the row", () -> {
                for (long id = 1; id <= 3; id++) {
                    if (!replicaValues(nodes.node(id)).equals(reference)) {
                        return false;
                    }
                }
                return true;
            });
        }
    }

    /** The row as a replica's own database holds it, each value in H2's exact SQL form. */
    private static List<String> replicaValues(Node node) throws SQLException {
        try (Connection c = node.replica(Node.DATA_RANGE).store().connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT HASH('SHA-256', B), HASH('SHA-256', CAST(C AS VARBINARY)), "
                     + "CAST(D AS VARCHAR), CAST(E AS VARCHAR), CAST(T AS VARCHAR), CAST(U AS VARCHAR), "
                     + "CAST(A AS VARCHAR), CAST(S AS VARCHAR), CAST(J AS VARCHAR) FROM VALS")) {
            List<String> values = new ArrayList<>();
            while (r.next()) {
                for (int i = 1; i <= 9; i++) {
                    Object v = r.getObject(i);
                    values.add(v instanceof byte[] bytes ? Arrays.toString(bytes) : String.valueOf(v));
                }
            }
            return values;
        }
    }
}
