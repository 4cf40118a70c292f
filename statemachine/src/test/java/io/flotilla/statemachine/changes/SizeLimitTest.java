package io.flotilla.statemachine.changes;

import static io.flotilla.statemachine.changes.CaptureTest.execute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class SizeLimitTest {

    private static final long LIMIT = 20_000;

    @Test
    void theStatementCrossingTheLimitFailsAndTheTransactionCanOnlyRollBack() throws Exception {
        try (LeaderFollower pair = new LeaderFollower("size", LIMIT,
                "CREATE TABLE t(id INT PRIMARY KEY, payload VARCHAR(1000))")) {
            Connection leader = pair.leader.connection;
            int inserted = 0;
            try (ChangeRecorder recorder = pair.capture.record(leader)) {
                SQLException failure = null;
                while (failure == null) {
                    try {
                        execute(leader, "INSERT INTO t VALUES (" + inserted + ", REPEAT('x', 500))");
                        inserted++;
                    } catch (SQLException e) {
                        failure = e;
                    }
                }
                assertEquals("54000", failure.getSQLState(), failure.toString());
                assertTrue(failure.getMessage().contains(Long.toString(LIMIT)), failure.getMessage());
                assertTrue(inserted > 10 && inserted < 40, "inserted " + inserted);
                assertTrue(recorder.isFailed());
                SQLException again = assertThrows(SQLException.class,
                        () -> execute(leader, "INSERT INTO t VALUES (-1, 'tiny')"));
                assertEquals("54000", again.getSQLState());
                assertEquals("54000", assertThrows(SQLException.class, () -> recorder.changeSet(1)).getSQLState());
                leader.rollback();
            }
            // A new transaction starts with a fresh budget.
            pair.commit(c -> execute(c, "INSERT INTO t VALUES (1, 'fine')"));
            assertEquals(1, pair.follower.queryLong("SELECT COUNT(*) FROM t"));
        }
    }

    @Test
    void rolledBackStatementsDoNotCountTowardTheLimit() throws Exception {
        try (LeaderFollower pair = new LeaderFollower("size-rollback", LIMIT,
                "CREATE TABLE t(id INT PRIMARY KEY, payload VARCHAR(1000))")) {
            pair.commit(c -> {
                for (int round = 0; round < 10; round++) {
                    execute(c, "SAVEPOINT s");
                    for (int i = 0; i < 15; i++) {
                        execute(c, "INSERT INTO t VALUES (" + i + ", REPEAT('y', 500))");
                    }
                    execute(c, "ROLLBACK TO SAVEPOINT s");
                }
                execute(c, "INSERT INTO t VALUES (1, 'kept')");
            });
            assertEquals("1 | kept\n", pair.follower.queryString("SELECT * FROM t"));
        }
    }

    @Test
    void aLargeLobFailsBeforeItsContentIsRead() throws Exception {
        try (LeaderFollower pair = new LeaderFollower("size-lob", LIMIT, "CREATE TABLE t(id INT PRIMARY KEY, b BLOB)")) {
            Connection leader = pair.leader.connection;
            try (ChangeRecorder recorder = pair.capture.record(leader);
                 PreparedStatement insert = leader.prepareStatement("INSERT INTO t VALUES (1, ?)")) {
                insert.setBytes(1, new byte[(int) LIMIT * 2]);
                SQLException failure = assertThrows(SQLException.class, insert::executeUpdate);
                assertEquals("54000", failure.getSQLState());
                leader.rollback();
            }
        }
    }
}
