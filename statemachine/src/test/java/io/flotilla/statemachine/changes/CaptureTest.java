package io.flotilla.statemachine.changes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.statemachine.wire.ChangeSet;
import io.flotilla.statemachine.wire.RowChange;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaptureTest {

    private static final String[] SCHEMA = {
        "CREATE TABLE parent(id INT PRIMARY KEY, name VARCHAR(20) UNIQUE)",
        "CREATE TABLE child(id INT PRIMARY KEY, parent_id INT REFERENCES parent(id)"
                + " ON DELETE CASCADE ON UPDATE CASCADE, note VARCHAR(20))",
        "CREATE TABLE audit(id BIGINT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(200))",
        "CREATE TRIGGER audit_parent AFTER INSERT, UPDATE, DELETE ON parent FOR EACH ROW CALL '"
                + AuditTrigger.class.getName() + "'",
    };

    @Test
    void cascadesAndUserTriggerEffectsAreCapturedInAnOrderThatApplies() throws Exception {
        try (LeaderFollower pair = new LeaderFollower("cascade", 1 << 20, SCHEMA)) {
            pair.commit(c -> execute(c, "INSERT INTO parent VALUES (1, 'a'), (2, 'b')",
                    "INSERT INTO child VALUES (10, 1, 'x'), (11, 1, 'y'), (20, 2, 'z')"));
            ChangeSet delete = pair.commit(c -> execute(c, "DELETE FROM parent WHERE id = 1"));
            assertEquals(List.of("DELETE PARENT", "INSERT AUDIT", "DELETE CHILD", "DELETE CHILD"),
                    describe(delete), delete.toString());
            ChangeSet rekey = pair.commit(c -> execute(c, "UPDATE parent SET id = 3 WHERE id = 2"));
            assertTrue(describe(rekey).contains("UPDATE CHILD"), rekey.toString());
            assertEquals(ContentDigest.ofRows(pair.leader.connection), ContentDigest.ofRows(pair.follower.connection));
            assertEquals("20 | 3 | z\n", pair.follower.queryString("SELECT * FROM child"));
            assertEquals(3, pair.follower.queryLong("SELECT COUNT(*) FROM audit WHERE what LIKE 'PARENT insert%'")
                    + pair.follower.queryLong("SELECT COUNT(*) FROM audit WHERE what LIKE 'PARENT delete%'"));
        }
    }

    @Test
    void rowsOfFailedStatementsAreNotShipped() throws Exception {
        try (LeaderFollower pair = new LeaderFollower("failed-statements", 1 << 20, SCHEMA)) {
            pair.commit(c -> execute(c, "INSERT INTO parent VALUES (1, 'a')"));
            ChangeSet changes = pair.commit(c -> {
                // The second row violates the primary key after the first was written.
                expectFailure(c, "INSERT INTO parent VALUES (2, 'b'), (1, 'dup')");
                // The foreign key is checked after the row triggers ran.
                expectFailure(c, "INSERT INTO child VALUES (5, 99, 'orphan')");
                execute(c, "INSERT INTO child VALUES (6, 1, 'kept')");
                execute(c, "SAVEPOINT s");
                execute(c, "INSERT INTO parent VALUES (7, 'gone')");
                execute(c, "ROLLBACK TO SAVEPOINT s");
            });
            assertEquals(List.of("INSERT CHILD"), describe(changes), changes.toString());
            assertEquals(ContentDigest.ofRows(pair.leader.connection), ContentDigest.ofRows(pair.follower.connection));
        }
    }

    @Test
    void multiRowKeyShiftAppliesWithoutUniqueConflicts() throws Exception {
        try (LeaderFollower pair = new LeaderFollower("shift", 1 << 20, SCHEMA)) {
            pair.commit(c -> execute(c, "INSERT INTO parent VALUES (1, 'a'), (2, 'b'), (3, 'c')"));
            pair.commit(c -> execute(c, "UPDATE parent SET id = id + 1",
                    "UPDATE parent SET name = CASE name WHEN 'a' THEN 'b' WHEN 'b' THEN 'c' ELSE 'a' END"));
            assertEquals(pair.leader.queryString("SELECT * FROM parent ORDER BY id"),
                    pair.follower.queryString("SELECT * FROM parent ORDER BY id"));
            assertEquals(ContentDigest.ofRows(pair.leader.connection), ContentDigest.ofRows(pair.follower.connection));
        }
    }

    @Test
    void sessionsWithoutRecorderAreNotCapturedAndClosedRecordersAreForgotten() throws Exception {
        try (LeaderFollower pair = new LeaderFollower("sessions", 1 << 20, SCHEMA);
             Connection other = pair.leader.openSession()) {
            ChangeRecorder recorder = pair.capture.record(pair.leader.connection);
            execute(other, "INSERT INTO parent VALUES (50, 'other')");
            other.commit();
            execute(pair.leader.connection, "INSERT INTO parent VALUES (1, 'a')");
            ChangeSet changes = recorder.changeSet(7);
            assertEquals(7, changes.getSchemaVersion());
            assertEquals(List.of("INSERT PARENT", "INSERT AUDIT"), describe(changes));
            pair.leader.connection.commit();
            recorder.close();
            assertNull(RecorderRegistry.lookup(EmbeddedSession.of(pair.leader.connection)));
            assertThrows(IllegalStateException.class, () -> recorder.changeSet(7));
            try (ChangeRecorder again = pair.capture.record(pair.leader.connection)) {
                assertThrows(IllegalStateException.class, () -> pair.capture.record(pair.leader.connection));
                assertEquals(0, again.changeSet(1).getChangesCount());
            }
        }
    }

    @Test
    void interleavedSessionsEachShipTheirOwnTransaction() throws Exception {
        try (LeaderFollower pair = new LeaderFollower("interleaved", 1 << 20, SCHEMA);
             Connection second = pair.leader.openSession()) {
            Connection first = pair.leader.connection;
            ChangeSet a;
            ChangeSet b;
            try (ChangeRecorder ra = pair.capture.record(first); ChangeRecorder rb = pair.capture.record(second)) {
                execute(first, "INSERT INTO parent VALUES (1, 'a')");
                execute(second, "INSERT INTO parent VALUES (2, 'b')");
                execute(first, "INSERT INTO child VALUES (10, 1, 'one')");
                execute(second, "UPDATE parent SET name = 'bb' WHERE id = 2");
                b = rb.changeSet(1);
                second.commit();
                a = ra.changeSet(1);
                first.commit();
            }
            assertEquals(List.of("INSERT PARENT", "INSERT AUDIT", "UPDATE PARENT", "INSERT AUDIT"), describe(b));
            assertEquals(List.of("INSERT PARENT", "INSERT AUDIT", "INSERT CHILD"), describe(a));
            pair.applyOnFollower(b);
            pair.applyOnFollower(a);
            assertEquals(ContentDigest.ofRows(pair.leader.connection), ContentDigest.ofRows(pair.follower.connection));
        }
    }

    static List<String> describe(ChangeSet changeSet) {
        List<String> kinds = new ArrayList<>();
        for (RowChange change : changeSet.getChangesList()) {
            kinds.add(change.getKind() + " " + change.getTable());
        }
        return kinds;
    }

    static void execute(Connection connection, String... statements) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    static void expectFailure(Connection connection, String sql) {
        assertThrows(SQLException.class, () -> execute(connection, sql), sql);
    }
}
