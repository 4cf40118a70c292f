package io.flotilla.statemachine.range;

import io.flotilla.raft.embedded.EmbeddedCluster;
import io.flotilla.statemachine.store.StoreOptions;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Two transactions lock two rows in opposite orders; the first to wait out the lock timeout ends
 * with it (its next statement gets 40001), so the other, which then waits for a row the first
 * held, gets it at once. Left open, as H2 2.3.232 leaves it, the first would make the other spin
 * in H2 until it ended, whatever the other's own lock timeout.
 */
class LockTimeoutTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static int exec(RangeSession s, String sql) throws SQLException {
        return s.run(c -> {
            try (Statement st = c.createStatement()) {
                return st.executeUpdate(sql);
            }
        });
    }

    @Test
    void aTransactionWhoseStatementTimedOutOnALockEndsAndFreesItsRows() throws Exception {
        RangeReplica.Options options = RangeReplica.Options.defaults().withStore(new StoreOptions(200, 500));
        try (RangeCluster rc = new RangeCluster(EmbeddedCluster.Options.defaults(1), 1, options)) {
            RangeReplica leader = rc.replica(rc.awaitServing(WAIT));
            try (RangeSession setup = leader.session(new byte[] {1});
                 RangeSession first = leader.session(new byte[] {2});
                 RangeSession second = leader.session(new byte[] {3})) {
                setup.schemaChange("CREATE TABLE LEDGER(ID INT PRIMARY KEY, BALANCE BIGINT NOT NULL)", 1)
                        .get(30, TimeUnit.SECONDS);
                exec(setup, "INSERT INTO LEDGER VALUES (0, 100), (3, 100)");
                setup.commit(2).get(30, TimeUnit.SECONDS);

                exec(second, "UPDATE LEDGER SET BALANCE = BALANCE - 4 WHERE ID = 0");
                exec(first, "UPDATE LEDGER SET BALANCE = BALANCE - 4 WHERE ID = 3");
                SQLException timedOut = assertThrows(SQLException.class,
                        () -> exec(first, "UPDATE LEDGER SET BALANCE = BALANCE + 4 WHERE ID = 0"));
                assertEquals("HYT00", timedOut.getSQLState(), timedOut.getMessage());
                assertEquals(1, assertTimeoutPreemptively(Duration.ofSeconds(20),
                        () -> exec(second, "UPDATE LEDGER SET BALANCE = BALANCE + 4 WHERE ID = 3")));
                SQLException ended = assertThrows(SQLException.class,
                        () -> exec(first, "UPDATE LEDGER SET BALANCE = 0 WHERE ID = 3"));
                assertEquals(SqlStates.ROLLED_BACK, ended.getSQLState(), ended.getMessage());
                first.rollback();
                second.commit(1).get(30, TimeUnit.SECONDS);
            }
        }
    }
}
