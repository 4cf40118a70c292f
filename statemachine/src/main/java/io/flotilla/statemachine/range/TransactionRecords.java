package io.flotilla.statemachine.range;

import com.google.protobuf.ByteString;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code FLOTILLA.TXN_RECORDS}: the records of the transactions across ranges whose record range
 * this is (docs/ranges.md, "Cross-range transactions"). A record is created {@code PENDING} with
 * the record range's own prepare, and decided once, by an entry of this range's log: {@code
 * COMMITTED} by its coordinator once every participant prepared, or {@code ABORTED} by whoever
 * gives up on it (its coordinator, or a participant's recovery). Being entries of one log, exactly
 * one decision wins; an abort of a transaction without a record leaves an {@code ABORTED} record,
 * so that a prepare arriving after it cannot create one.
 *
 * <p>A committed record whose parts its coordinator saw resolved is dropped then ({@code Forget});
 * any other decided record is kept for the range's record retention (an hour by default,
 * {@code RangeReplica.Options.recordRetention}) after it was written, by the proposing
 * leaders' clocks (carried in the entries, so every replica forgets the same records at the same
 * index), and a pending one until it is decided: a coordinator asks again for a decision whose
 * answer it lost (for 30 s), and a participant's recovery asks within seconds, so a record gone
 * before them would turn a commit into an abort (the whole-stack simulator found that when records
 * went with the session time-to-live, which it keeps short).
 */
public final class TransactionRecords {

    public enum Status { PENDING, COMMITTED, ABORTED }

    private TransactionRecords() {
    }

    static void ensure(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS FLOTILLA.TXN_RECORDS(TXN VARBINARY(16) PRIMARY KEY, "
                    + "STATUS VARCHAR(9) NOT NULL, PARTICIPANTS VARCHAR NOT NULL, WRITTEN_AT_MILLIS BIGINT NOT NULL)");
            s.execute("CREATE INDEX IF NOT EXISTS FLOTILLA.TXN_RECORDS_WRITTEN ON FLOTILLA.TXN_RECORDS(WRITTEN_AT_MILLIS)");
        }
    }

    static Optional<Status> status(Connection connection, ByteString txn) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT STATUS FROM FLOTILLA.TXN_RECORDS WHERE TXN = ?")) {
            ps.setBytes(1, txn.toByteArray());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Status.valueOf(rs.getString(1))) : Optional.empty();
            }
        }
    }

    static void create(Connection apply, ByteString txn, Status status, Iterable<Long> participants, long nowMillis)
            throws SQLException {
        StringBuilder list = new StringBuilder();
        for (long p : participants) {
            list.append(list.isEmpty() ? "" : ",").append(p);
        }
        try (PreparedStatement ps = apply.prepareStatement(
                "INSERT INTO FLOTILLA.TXN_RECORDS(TXN, STATUS, PARTICIPANTS, WRITTEN_AT_MILLIS) VALUES (?, ?, ?, ?)")) {
            ps.setBytes(1, txn.toByteArray());
            ps.setString(2, status.name());
            ps.setString(3, list.toString());
            ps.setLong(4, nowMillis);
            ps.executeUpdate();
        }
    }

    static void decide(Connection apply, ByteString txn, Status status) throws SQLException {
        try (PreparedStatement ps = apply.prepareStatement("UPDATE FLOTILLA.TXN_RECORDS SET STATUS = ? WHERE TXN = ?")) {
            ps.setString(1, status.name());
            ps.setBytes(2, txn.toByteArray());
            ps.executeUpdate();
        }
    }

    /** Forgets the record of {@code txn} if it is decided; in the apply session's transaction. */
    static void forget(Connection apply, ByteString txn) throws SQLException {
        try (PreparedStatement ps = apply.prepareStatement(
                "DELETE FROM FLOTILLA.TXN_RECORDS WHERE TXN = ? AND STATUS <> 'PENDING'")) {
            ps.setBytes(1, txn.toByteArray());
            ps.executeUpdate();
        }
    }

    /** Forgets decided records written more than {@code retention} before {@code nowMillis}; in the apply session's transaction. */
    static void tidy(Connection apply, long nowMillis, Duration retention) throws SQLException {
        try (PreparedStatement ps = apply.prepareStatement(
                "DELETE FROM FLOTILLA.TXN_RECORDS WHERE WRITTEN_AT_MILLIS < ? AND STATUS <> 'PENDING'")) {
            ps.setLong(1, nowMillis - retention.toMillis());
            ps.executeUpdate();
        }
    }
}
