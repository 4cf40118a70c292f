package io.flotilla.statemachine.range;

import io.flotilla.statemachine.changes.EmbeddedSession;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which statements change each row by that row alone, and may run range by range. */
class RowLocalChangeTest {

    private static boolean rowLocal(Connection c, String sql) throws SQLException {
        return RowLocalChange.of(EmbeddedSession.prepare(c, sql));
    }

    @Test
    void updatesAndDeletesOfOneTableThatReadNoOtherRowAreRowLocal() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:mem:row-local-change");
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE T(ID INT PRIMARY KEY, V INT, NOTE VARCHAR(20))");
            s.execute("CREATE TABLE U(ID INT PRIMARY KEY, V INT)");
            s.execute("CREATE SEQUENCE SEQ");
            for (String local : List.of("UPDATE T SET V = V + 1", "UPDATE T SET V = V * 2 WHERE V > 3 AND ID < 100",
                    "DELETE FROM T WHERE V < 5", "UPDATE T SET V = ? WHERE NOTE = ?", "DELETE FROM T",
                    "UPDATE T SET NOTE = 'select from table values' WHERE NOTE LIKE '%limit%'",
                    "UPDATE T SET V = CASE WHEN V > 10 THEN 0 ELSE V END")) {
                assertEquals(true, rowLocal(c, local), local);
            }
            for (String not : List.of("UPDATE T SET V = (SELECT MAX(V) FROM T)",
                    "DELETE FROM T WHERE V IN (SELECT V FROM U)", "DELETE FROM T WHERE ROW(ID, V) IN (TABLE U)", "DELETE FROM T WHERE EXISTS (SELECT 1 FROM T X WHERE X.V > T.V)",
                    "UPDATE T SET V = NEXT VALUE FOR SEQ", "DELETE FROM T WHERE V > 3 LIMIT 2",
                    "UPDATE T SET V = 1 FETCH FIRST 3 ROWS ONLY", "INSERT INTO T VALUES (1, 1, 'x')",
                    "MERGE INTO T KEY(ID) VALUES (1, 1, 'x')", "SELECT * FROM T",
                    "DELETE FROM T WHERE ID IN (SELECT ID FROM U)")) {
                assertEquals(false, rowLocal(c, not), not);
            }
        }
    }
}
