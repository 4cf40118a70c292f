package io.flotilla.statemachine.changes;

import static io.flotilla.statemachine.changes.CaptureTest.execute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.statemachine.wire.ChangeSet;
import io.flotilla.statemachine.wire.RowChange;
import org.junit.jupiter.api.Test;

class ApplyTest {

    private static final String[] SCHEMA = {
        "CREATE TABLE t(id INT PRIMARY KEY, v VARCHAR(10) CHECK (v <> 'bad'))",
        "CREATE TABLE s(k VARCHAR(10) PRIMARY KEY, n INT)",
    };

    @Test
    void userTriggersDoNotFireOnApply() throws Exception {
        try (LeaderFollower pair = new LeaderFollower("no-triggers", 1 << 20, SCHEMA)) {
            // Only on the follower: had apply fired it, the apply would fail.
            pair.follower.execute("CREATE TRIGGER refuse BEFORE INSERT, UPDATE, DELETE ON t FOR EACH ROW CALL '"
                    + RefusingTrigger.class.getName() + "'");
            pair.follower.connection.commit();
            pair.commit(c -> execute(c, "INSERT INTO t VALUES (1, 'a'), (2, 'b')"));
            pair.commit(c -> execute(c, "UPDATE t SET v = 'c' WHERE id = 1", "DELETE FROM t WHERE id = 2"));
            assertEquals("1 | c\n", pair.follower.queryString("SELECT * FROM t"));
        }
    }

    @Test
    void applyDoesNotCommit() throws Exception {
        try (LeaderFollower pair = new LeaderFollower("no-commit", 1 << 20, SCHEMA)) {
            ChangeSet changes;
            try (ChangeRecorder recorder = pair.capture.record(pair.leader.connection)) {
                execute(pair.leader.connection, "INSERT INTO t VALUES (1, 'a')", "INSERT INTO s VALUES ('k', 1)");
                changes = recorder.changeSet(1);
                pair.leader.connection.commit();
            }
            RowImages.apply(pair.follower.connection, changes);
            assertEquals(1, pair.follower.queryLong("SELECT COUNT(*) FROM t"));
            pair.follower.connection.rollback();
            assertEquals(0, pair.follower.queryLong("SELECT COUNT(*) FROM t"));
            assertEquals(0, pair.follower.queryLong("SELECT COUNT(*) FROM s"));
        }
    }

    @Test
    void imagesThatDoNotMatchTheReplicaFailPrecisely() throws Exception {
        try (LeaderFollower pair = new LeaderFollower("mismatch", 1 << 20, SCHEMA)) {
            ChangeSet insert = pair.commit(c -> execute(c, "INSERT INTO t VALUES (1, 'a')",
                    "INSERT INTO s VALUES ('k', 1)"));
            ChangeSet delete = pair.commit(c -> execute(c, "DELETE FROM t WHERE id = 1"));

            RowImageMismatchException missing = assertThrows(RowImageMismatchException.class,
                    () -> pair.applyOnFollower(delete));
            assertEquals("XX001", missing.getSQLState());
            assertTrue(missing.getMessage().contains("no row with primary key (ID=1) in PUBLIC.T"),
                    missing.getMessage());

            RowImageMismatchException duplicate = assertThrows(RowImageMismatchException.class,
                    () -> pair.applyOnFollower(ChangeSet.newBuilder().addChanges(insert.getChanges(1)).build()));
            assertTrue(duplicate.getMessage().contains("INSERT on PUBLIC.S"), duplicate.getMessage());

            pair.follower.execute("UPDATE s SET n = 5");
            pair.follower.connection.commit();
            RowChange update = RowChange.newBuilder(insert.getChanges(1)).setKind(RowChange.Kind.UPDATE)
                    .addAllOldRow(insert.getChanges(1).getNewRowList()).build();
            RowImageMismatchException differs = assertThrows(RowImageMismatchException.class,
                    () -> pair.applyOnFollower(ChangeSet.newBuilder().addChanges(update).build()));
            assertTrue(differs.getMessage().contains("differs from the leader's image in column N"),
                    differs.getMessage());

            RowImageMismatchException noTable = assertThrows(RowImageMismatchException.class,
                    () -> pair.applyOnFollower(ChangeSet.newBuilder()
                            .addChanges(RowChange.newBuilder(update).setTable("NOPE")).build()));
            assertTrue(noTable.getMessage().contains("PUBLIC.NOPE does not exist"), noTable.getMessage());
        }
    }
}
