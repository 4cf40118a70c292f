package io.flotilla.sql.sim;

import io.flotilla.statemachine.range.RangeSession;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/**
 * Transfers between accounts in REPEATABLE READ or SERIALIZABLE transactions (read both balances,
 * write both, log the transfer under an id of its own), and now and then a read of the total.
 * Checked at the end: the total never changes, every acknowledged transfer is in the log once and
 * its effects in the balances, none that certainly failed is.
 */
final class BankClient extends SimClient {

    static final int ACCOUNTS = 5;
    static final long OPENING_BALANCE = 100;

    private int transfers;

    BankClient(int id, StackSimulation sim) {
        super(id, sim);
    }

    @Override
    void operate() {
        RangeSession s = session();
        if (s == null) {
            later();
            return;
        }
        if (scheduler.random.nextInt(5) == 0) {
            readTotal(s);
            return;
        }
        long transfer = id * 1_000_000L + ++transfers;
        int from = scheduler.random.nextInt(ACCOUNTS);
        int to = (from + 1 + scheduler.random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
        long amount = 1 + scheduler.random.nextInt(5);
        try {
            s.setIsolation(scheduler.random.nextBoolean() ? Connection.TRANSACTION_REPEATABLE_READ
                    : Connection.TRANSACTION_SERIALIZABLE);
            s.run(c -> {
                long a = balance(c, from);
                long b = balance(c, to);
                set(c, from, a - amount);
                set(c, to, b + amount);
                try (PreparedStatement log = c.prepareStatement("INSERT INTO TRANSFERS VALUES (?, ?, ?, ?)")) {
                    log.setLong(1, transfer);
                    log.setInt(2, from);
                    log.setInt(3, to);
                    log.setLong(4, amount);
                    log.executeUpdate();
                }
                return null;
            });
        } catch (SQLException conflict) {
            // A write conflict or a lock another transaction holds (H2 fails it at once here), or
            // the replica stopped leading: the transaction is rolled back, nothing was proposed.
            s.rollback();
            later();
            return;
        }
        whenDone(s.commit(++sequence), fate -> {
            sim.history.transfer(transfer, fate);
            later();
        });
    }

    private void readTotal(RangeSession s) {
        try {
            long total = s.run(c -> {
                try (ResultSet rs = c.createStatement().executeQuery("SELECT SUM(BALANCE) FROM ACCOUNTS")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            s.rollback();
            if (total != ACCOUNTS * OPENING_BALANCE) {
                sim.violation("client " + id + " read a total of " + total + " instead of " + ACCOUNTS * OPENING_BALANCE);
            }
        } catch (SQLException e) {
            s.rollback();
        }
        later();
    }

    private static long balance(Connection c, int account) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT BALANCE FROM ACCOUNTS WHERE ID = ?")) {
            q.setInt(1, account);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("no account " + account);
                }
                return rs.getLong(1);
            }
        }
    }

    private static void set(Connection c, int account, long balance) throws SQLException {
        try (PreparedStatement u = c.prepareStatement("UPDATE ACCOUNTS SET BALANCE = ? WHERE ID = ?")) {
            u.setLong(1, balance);
            u.setInt(2, account);
            u.executeUpdate();
        }
    }

    static Set<String> schema() {
        return Set.of("CREATE TABLE ACCOUNTS(ID INT PRIMARY KEY, BALANCE BIGINT NOT NULL)",
                "CREATE TABLE TRANSFERS(ID BIGINT PRIMARY KEY, SOURCE INT, TARGET INT, AMOUNT BIGINT)");
    }
}
