package io.flotilla.statemachine.changes;

import static io.flotilla.statemachine.changes.CaptureTest.execute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.statemachine.wire.ChangeSet;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Tables without a primary key are replicated under a hidden row key. */
class HiddenRowKeyTest {

    /** Every row, hidden key first, in key order: what must be equal on every replica. */
    private static String rows(Replica replica) throws SQLException {
        return replica.queryString("SELECT _ROWID_, " + ChangeCapture.ROW_KEY_COLUMN + ", a, b FROM t1 ORDER BY _ROWID_");
    }

    @Test
    void aKeylessTableIsReplicatedRowForRowDuplicatesIncluded() throws Exception {
        try (LeaderFollower pair = new LeaderFollower("rowkey", 1 << 20, "CREATE TABLE t1(a INTEGER, b INTEGER)")) {
            ChangeSet inserted = pair.commit(c -> execute(c, "INSERT INTO t1 VALUES (1, 2), (1, 2), (3, 4)"));
            assertEquals(3, inserted.getChangesCount());
            assertFalse(inserted.getSequencesList().isEmpty(), "the row key's values are carried past a leader change");
            // Two equal rows: the update and the delete must reach the same one on the follower.
            pair.commit(c -> execute(c, "UPDATE t1 SET b = 20 WHERE _ROWID_ = (SELECT MAX(_ROWID_) FROM t1 WHERE a = 1)"));
            pair.commit(c -> execute(c, "DELETE FROM t1 WHERE _ROWID_ = (SELECT MIN(_ROWID_) FROM t1 WHERE a = 1)"));
            assertEquals("2 | 2 | 1 | 20\n3 | 3 | 3 | 4\n", rows(pair.leader));
            assertEquals(rows(pair.leader), rows(pair.follower));
        }
    }

    @Test
    void theRowKeyIsHiddenFromSelectStarInsertAndTheColumnList() throws Exception {
        try (LeaderFollower pair = new LeaderFollower("hidden", 1 << 20, "CREATE TABLE t1(a INTEGER, b INTEGER)")) {
            pair.commit(c -> execute(c, "INSERT INTO t1 VALUES (5, 6)"));
            try (Statement s = pair.leader.connection.createStatement(); ResultSet r = s.executeQuery("SELECT * FROM t1")) {
                assertEquals(2, r.getMetaData().getColumnCount());
            }
            try (ResultSet columns = pair.leader.connection.getMetaData().getColumns(null, "PUBLIC", "T1", null)) {
                Set<String> names = new HashSet<>();
                while (columns.next()) {
                    names.add(columns.getString("COLUMN_NAME"));
                }
                assertEquals(Set.of("A", "B"), names);
            }
        }
    }

    @Test
    void aNewLeaderNeverHandsOutARowKeyACommitUsed() throws Exception {
        try (LeaderFollower pair = new LeaderFollower("rowkey-failover", 1 << 20, "CREATE TABLE t1(a INTEGER, b INTEGER)")) {
            pair.commit(c -> execute(c, "INSERT INTO t1(a) SELECT X FROM SYSTEM_RANGE(1, 40)"));
            // Drawn and then deleted on the leader: the key is used up all the same.
            pair.commit(c -> execute(c, "INSERT INTO t1 VALUES (99, 99)", "DELETE FROM t1 WHERE a = 99"));
            long highest = pair.leader.queryLong("SELECT MAX(" + ChangeCapture.ROW_KEY_COLUMN + ") FROM t1") + 1;
            execute(pair.follower.connection, "INSERT INTO t1 VALUES (100, 100)");
            long first = pair.follower.queryLong("SELECT _ROWID_ FROM t1 WHERE a = 100");
            assertTrue(first > highest, "the new leader drew " + first + ", the old one had used up to " + highest);
            pair.follower.connection.rollback();
        }
    }

    @Test
    void rowsOfACreateTableAsSelectAreKeyedTheSameOnEveryReplica() throws Exception {
        try (LeaderFollower pair = new LeaderFollower("ctas", 1 << 20, "CREATE TABLE src(id INT PRIMARY KEY, v INT)")) {
            pair.commit(c -> execute(c, "INSERT INTO src SELECT X, MOD(X * 7, 5) FROM SYSTEM_RANGE(1, 30)"));
            // DDL is replicated as SQL: each replica runs it, then gives the new table its row key.
            for (Replica replica : new Replica[] {pair.leader, pair.follower}) {
                replica.execute("CREATE TABLE t1(a, b) AS SELECT v, id FROM src");
                pair.capture.installAll(replica.connection);
                replica.connection.commit();
            }
            assertEquals(rows(pair.leader), rows(pair.follower));
            assertEquals(30, pair.follower.queryLong("SELECT COUNT(DISTINCT _ROWID_) FROM t1"));
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
