package com.example.bank;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Accounts and transfers between them, over any JDBC {@link DataSource} (a HikariCP pool of
 * Flotilla connections in this application).
 *
 * <p>A transfer is one explicit transaction. When the cluster's leader changes under it, Flotilla
 * fails the transaction with SQLState {@code 40001} and applies none of it, so running it again
 * is safe: this class does, up to a bounded number of attempts, and then hands the {@code 40001}
 * to its caller. A commit whose answer was lost ({@code 40003}, outcome unknown) is not retried:
 * the transfer may have been applied, and only the caller can decide how to find out.
 */
public final class AccountRepository {

    /** SQLState of a transaction the database gave up; nothing of it was applied. */
    public static final String SERIALIZATION_FAILURE = "40001";

    /** Client info key of the driver's LSN token (the last write's place in the log). */
    public static final String LSN = "flotilla.lsn";

    /** Called inside each attempt of a transfer, after the debit and before the credit. */
    @FunctionalInterface
    public interface TransferProbe {
        void debited(int attempt) throws SQLException;

        TransferProbe NONE = attempt -> { };
    }

    private final DataSource dataSource;
    private final int attempts;
    private final TransferProbe probe;

    public AccountRepository(DataSource dataSource) {
        this(dataSource, 5, TransferProbe.NONE);
    }

    /**
     * @param attempts how many times a transfer runs before its {@code 40001} reaches the caller
     * @param probe    lets tests act in the middle of a transaction (kill the leader there)
     */
    public AccountRepository(DataSource dataSource, int attempts, TransferProbe probe) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1: " + attempts);
        }
        this.dataSource = dataSource;
        this.attempts = attempts;
        this.probe = probe;
    }

    public void createSchema() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS ACCOUNT(ID BIGINT PRIMARY KEY, BALANCE BIGINT NOT NULL)");
            // One row per transfer applied: how the tests see that a retried transfer applied once.
            s.execute("CREATE TABLE IF NOT EXISTS TRANSFER(ID BIGINT AUTO_INCREMENT PRIMARY KEY,"
                    + " FROM_ID BIGINT NOT NULL, TO_ID BIGINT NOT NULL, AMOUNT BIGINT NOT NULL)");
        }
    }

    /** @return the LSN token of the write (see {@link #transfer}) */
    public String open(long id, long balance) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("INSERT INTO ACCOUNT VALUES (?, ?)")) {
            insert.setLong(1, id);
            insert.setLong(2, balance);
            insert.executeUpdate();
            return c.getClientInfo(LSN);
        }
    }

    /**
     * Moves {@code amount} from one account to another, retrying the whole transaction on
     * {@code 40001}.
     *
     * @return the LSN token of the commit: a reader given it sees this transfer on any replica
     * @throws SQLException {@code 40001} once every attempt failed so; any other failure at once
     */
    public String transfer(long from, long to, long amount) throws SQLException {
        SQLException failure = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                return transferOnce(from, to, amount, attempt);
            } catch (SQLException e) {
                if (!SERIALIZATION_FAILURE.equals(e.getSQLState())) {
                    throw e;
                }
                if (failure != null) {
                    e.addSuppressed(failure);
                }
                failure = e;
                if (attempt < attempts) {
                    backOff(attempt);
                }
            }
        }
        throw failure;
    }

    private String transferOnce(long from, long to, long amount, int attempt) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                move(c, from, -amount);
                probe.debited(attempt);
                move(c, to, amount);
                try (PreparedStatement record = c.prepareStatement(
                        "INSERT INTO TRANSFER(FROM_ID, TO_ID, AMOUNT) VALUES (?, ?, ?)")) {
                    record.setLong(1, from);
                    record.setLong(2, to);
                    record.setLong(3, amount);
                    record.executeUpdate();
                }
                c.commit();
                return c.getClientInfo(LSN);
            } catch (SQLException e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                // The pool hands this connection out again: in auto-commit, as it came.
                c.setAutoCommit(true);
            }
        }
    }

    private static void move(Connection c, long account, long delta) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE ACCOUNT SET BALANCE = BALANCE + ? WHERE ID = ?")) {
            update.setLong(1, delta);
            update.setLong(2, account);
            if (update.executeUpdate() != 1) {
                throw new SQLException("no account " + account, "02000");
            }
        }
    }

    /** A transaction cut by a failover is already gone on the cluster; a failed rollback says nothing new. */
    private static void rollbackQuietly(Connection c, SQLException cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** A new leader is usually elected within an election timeout or two: give it that. */
    private static void backOff(int attempt) throws SQLException {
        try {
            Thread.sleep(100L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while retrying a transfer", SERIALIZATION_FAILURE, e);
        }
    }

    /** The balance as the leader has it (the connection's default, linearizable, consistency). */
    public long balance(long id) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return balance(c, id);
        }
    }

    /**
     * The balance as of a write known by its LSN token (from {@link #transfer}, perhaps made by
     * another process): any replica may answer, but only one that has applied that write. The
     * data source's connections must allow follower reads ({@code consistency=session} in the
     * URL); a pooled connection keeps the token it observed, which only ever makes its later
     * reads more recent.
     */
    public long balanceAsOf(long id, String lsnToken) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setClientInfo(LSN, lsnToken);
            return balance(c, id);
        }
    }

    private static long balance(Connection c, long id) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT BALANCE FROM ACCOUNT WHERE ID = ?")) {
            select.setLong(1, id);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    throw new SQLException("no account " + id, "02000");
                }
                return rows.getLong(1);
            }
        }
    }

    public long transfers() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT COUNT(*) FROM TRANSFER")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    public long totalBalance() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT COALESCE(SUM(BALANCE), 0) FROM ACCOUNT")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
