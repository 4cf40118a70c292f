package io.flotilla.statemachine.changes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class PrimaryKeyRequiredTest {

    @Test
    void captureRefusesTablesWithoutPrimaryKey() throws Exception {
        try (Replica db = Replica.create("nopk")) {
            db.execute("CREATE TABLE keyless(a INT, b VARCHAR(10))", "CREATE TABLE keyed(id INT PRIMARY KEY)");
            ChangeCapture capture = new ChangeCapture(1 << 20);
            SQLException one = assertThrows(SQLException.class,
                    () -> capture.install(db.connection, "PUBLIC", "KEYLESS"));
            assertEquals("0A000", one.getSQLState());
            assertEquals("table PUBLIC.KEYLESS has no primary key; Flotilla replicates rows by primary key",
                    one.getMessage());
            SQLException all = assertThrows(SQLException.class, () -> capture.installAll(db.connection));
            assertEquals("0A000", all.getSQLState());
            // installAll checks every table before installing anything.
            assertEquals(0, db.queryLong("SELECT COUNT(DISTINCT TRIGGER_NAME) FROM INFORMATION_SCHEMA.TRIGGERS"));
            capture.install(db.connection, "PUBLIC", "KEYED");
            assertEquals(1, db.queryLong("SELECT COUNT(DISTINCT TRIGGER_NAME) FROM INFORMATION_SCHEMA.TRIGGERS"));
        }
    }

    @Test
    void writesToAnUncapturedUserTableAreAnErrorNotASilentLoss() throws Exception {
        try (Replica db = Replica.create("uncaptured")) {
            db.execute("CREATE TABLE keyed(id INT PRIMARY KEY)", "CREATE TABLE keyless(a INT)");
            ChangeCapture capture = new ChangeCapture(1 << 20);
            capture.install(db.connection, "PUBLIC", "KEYED");
            try (ChangeRecorder recorder = capture.record(db.connection)) {
                db.execute("INSERT INTO keyed VALUES (1)", "INSERT INTO keyless VALUES (1)");
                SQLException e = assertThrows(SQLException.class, () -> recorder.changeSet(1));
                assertEquals("55000", e.getSQLState(), e.getMessage());
                db.connection.rollback();
            }
        }
    }
}
