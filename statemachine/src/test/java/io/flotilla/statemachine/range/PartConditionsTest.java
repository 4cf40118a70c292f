package io.flotilla.statemachine.range;

import io.flotilla.statemachine.changes.EmbeddedSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a query across ranges asks each range for, per table: H2's own lookup conditions, or the whole table. */
class PartConditionsTest {

    private static final long T = 1;
    private static final long U = 2;

    private Connection connection;
    private final Map<TableName, Long> ids = Map.of(new TableName("PUBLIC", "T"), T, new TableName("PUBLIC", "U"), U);

    @BeforeEach
    void createTables() throws SQLException {
        connection = DriverManager.getConnection("jdbc:h2:mem:parts-" + UUID.randomUUID());
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE T(ID INT PRIMARY KEY, V INT)");
            s.execute("CREATE TABLE U(ID INT PRIMARY KEY, T_ID INT)");
            s.execute("CREATE INDEX U_T ON U(T_ID)");
        }
    }

    @AfterEach
    void close() throws SQLException {
        connection.close();
    }

    private Map<Long, String> parts(String sql) throws SQLException {
        Map<Long, String> out = new TreeMap<>();
        PartConditions.of(EmbeddedSession.prepare(connection, sql), ids)
                .forEach((id, c) -> out.put(id, c.sql() + " /" + c.parameters()));
        return out;
    }

    @Test
    void aKeyRangeOrListIsAskedForAsH2LooksItUp() throws SQLException {
        assertEquals(Map.of(T, "\"ID\" >= 40 AND \"ID\" <= 130 /0"), parts("SELECT * FROM T WHERE ID BETWEEN 40 AND 130"));
        assertEquals(Map.of(T, "\"ID\" IN(3, 77, 150) /0"), parts("SELECT V FROM T WHERE ID IN (3, 77, 150) ORDER BY V"));
        assertEquals(Map.of(T, "\"ID\" > ?2 /2"), parts("SELECT COUNT(*) FROM T WHERE V = ?1 + 1 AND ID > ?2"));
        assertEquals(Map.of(T, "\"ID\" = 7 /0"), parts("SELECT T.V FROM T JOIN U ON U.T_ID = T.ID WHERE U.T_ID = 7"),
                "H2 carries U.T_ID = 7 over to T.ID; U is looked up by the join, which names T: read whole");
    }

    @Test
    void anythingElseIsReadWhole() throws SQLException {
        assertEquals(Map.of(), parts("SELECT * FROM T"));
        assertEquals(Map.of(), parts("SELECT * FROM T WHERE V > 5"), "no index on V: no lookup condition");
        assertEquals(Map.of(), parts("SELECT * FROM T WHERE ID > RAND() * 100"), "not a value the statement gives");
        assertEquals(Map.of(), parts("SELECT * FROM T WHERE ID IN (SELECT T_ID FROM U WHERE ID < 5)"),
                "a subquery: every table whole");
        assertEquals(Map.of(), parts("SELECT * FROM T A JOIN T B ON B.ID = A.ID + 1 WHERE A.ID < 5"),
                "a table read twice");
        assertEquals(Map.of(), parts("SELECT ID FROM T WHERE ID < 5 UNION SELECT ID FROM U WHERE ID < 5"));
    }
}
