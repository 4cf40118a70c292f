package com.example.bank;

import com.zaxxer.hikari.HikariDataSource;
import io.flotilla.testing.FlotillaCluster;
import io.flotilla.testing.FlotillaTest;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A write on the leader, then a read of it through a follower that had fallen behind: the LSN
 * token of the write makes the follower answer only once it has applied it.
 */
@FlotillaTest(nodes = 3)
class ReadYourWritesTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void followerReadWithTheWritesLsnTokenSeesTheWrite(FlotillaCluster cluster) throws Exception {
        try (HikariDataSource writer = Pools.of(cluster.jdbcUrl())) {
            AccountRepository accounts = new AccountRepository(writer);
            accounts.createSchema();
            accounts.open(1, 100);
            String opened = accounts.open(2, 0);
            cluster.awaitApplied(opened, WAIT);

            long leader = cluster.leader();
            long follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
            // The follower hears nothing from the leader from now on; the third node makes the majority.
            cluster.cut(leader, follower);
            String transferred = accounts.transfer(1, 2, 30);
            assertEquals(leader, cluster.leader(), "the cut left the leader in place");

            try (Connection stale = DriverManager.getConnection(cluster.jdbcUrl(follower) + "?consistency=stale")) {
                assertEquals(100, balance(stale, 1), "the follower is behind: a stale read misses the transfer");
            }

            cluster.heal();
            System.out.printf("follower %d cut from leader %d missed the transfer at %s; healed%n", follower, leader, transferred);
            // Plain JDBC: the token in the URL.
            try (Connection reader = DriverManager.getConnection(
                    cluster.jdbcUrl(follower) + "?consistency=lsn:" + transferred)) {
                assertEquals(70, balance(reader, 1));
            }
            // The application's way: a pool on the follower allowing follower reads, the token per read.
            try (HikariDataSource followerPool = Pools.of(cluster.jdbcUrl(follower) + "?consistency=session")) {
                AccountRepository nearby = new AccountRepository(followerPool);
                assertEquals(30, nearby.balanceAsOf(2, transferred));
                assertEquals(70, nearby.balanceAsOf(1, transferred));
            }
        }
    }

    private static long balance(Connection c, long id) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT BALANCE FROM ACCOUNT WHERE ID = " + id)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
