package com.example.bank;

import com.example.bank.AccountRepository.TransferProbe;
import com.zaxxer.hikari.HikariDataSource;
import io.flotilla.testing.FlotillaCluster;
import io.flotilla.testing.FlotillaTest;
import io.flotilla.testing.FromCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The cluster's leader dies in the middle of a transfer. A cluster per test: each kills a node,
 * and the next test should start from three.
 */
@FlotillaTest(nodes = 3, perMethod = true)
class TransferFailoverTest {

    @FromCluster
    FlotillaCluster cluster;

    private HikariDataSource pool;
    /** The attempts the repository made, as its probe saw them. */
    private final List<Integer> attempts = new CopyOnWriteArrayList<>();
    private volatile long killed;

    @BeforeEach
    void accounts() throws SQLException {
        pool = Pools.of(cluster.jdbcUrl());
        AccountRepository setup = new AccountRepository(pool);
        setup.createSchema();
        setup.open(1, 100);
        setup.open(2, 0);
    }

    @AfterEach
    void closePool() {
        pool.close();
    }

    @Test
    void leaderKilledMidTransferIsRetriedAndAppliedOnce() throws Exception {
        AccountRepository accounts = new AccountRepository(pool, 5, killLeaderInFirstAttempt());

        String lsn = accounts.transfer(1, 2, 30);
        System.out.printf("leader %d killed mid-transfer; committed on attempt %d at %s%n", killed, attempts.size(), lsn);

        assertEquals(List.of(1, 2), attempts, "the first attempt lost its leader, the second committed");
        assertEquals(70, accounts.balance(1));
        assertEquals(30, accounts.balance(2));
        assertEquals(100, accounts.totalBalance(), "money is conserved");
        assertEquals(1, accounts.transfers(), "the transfer applied exactly once");
    }

    @Test
    void retriesRunOutAndTheCallerSees40001() throws Exception {
        AccountRepository accounts = new AccountRepository(pool, 1, killLeaderInFirstAttempt());

        SQLException failure = assertThrows(SQLException.class, () -> accounts.transfer(1, 2, 30));
        System.out.printf("leader %d killed mid-transfer, one attempt allowed: %s %s%n",
                killed, failure.getSQLState(), failure.getMessage());

        assertEquals(AccountRepository.SERIALIZATION_FAILURE, failure.getSQLState(), failure.toString());
        assertInstanceOf(SQLTransactionRollbackException.class, failure);
        assertEquals(List.of(1), attempts);
        // The new leader holds nothing of the lost attempt.
        assertEquals(100, accounts.balance(1));
        assertEquals(0, accounts.balance(2));
        assertEquals(0, accounts.transfers());
    }

    /** Kills the data range's leader after the first attempt's debit, before its credit and commit. */
    private TransferProbe killLeaderInFirstAttempt() {
        return attempt -> {
            attempts.add(attempt);
            if (attempt == 1) {
                try {
                    killed = cluster.leader();
                    cluster.kill(killed);
                } catch (InterruptedException | TimeoutException e) {
                    throw new AssertionError("no leader to kill", e);
                }
            }
        };
    }
}
