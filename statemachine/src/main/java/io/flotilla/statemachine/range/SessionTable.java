package io.flotilla.statemachine.range;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code FLOTILLA.SESSIONS}: for each client session, the sequence number of its last write and
 * that write's outcome. Part of the replicated state (written in the same H2 transaction as the
 * write's effects), so any replica that becomes leader answers a retry with the original outcome
 * instead of applying it again.
 *
 * <p>A session's writes are numbered 1, 2, 3, ... and a client retries a write until it learns its
 * outcome before it sends the next. Sessions idle for longer than the time-to-live (on the
 * proposing leaders' clocks, carried in the log, so every replica expires the same rows) are
 * forgotten. A write of a forgotten session other than its first is refused as outcome-unknown
 * rather than applied: it may be the retry of a write that was applied before the session expired.
 *
 * <p>The table is append-only for the writes themselves: each records its outcome in a new row
 * keyed by (session, sequence), and the session's answer is its row with the highest sequence. A
 * leader records the outcome in the client's own transaction when it commits it at apply time, under
 * that transaction's isolation level; an update of the session's earlier row could be refused there
 * (REPEATABLE READ and SERIALIZABLE reject an update of a row committed after their snapshot), an
 * insert under a new key cannot. Superseded rows and idle sessions are deleted by
 * {@link #tidy housekeeping} on the apply session, at fixed indexes.
 */
final class SessionTable {

    private SessionTable() {
    }

    static void ensure(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS FLOTILLA.SESSIONS("
                    + "SESSION_ID VARBINARY(64) NOT NULL, SEQUENCE BIGINT NOT NULL, "
                    + "SQL_STATE VARCHAR(5), MESSAGE VARCHAR(4096), APPLIED_INDEX BIGINT NOT NULL, "
                    + "LAST_USED_MILLIS BIGINT NOT NULL, UPDATE_COUNT BIGINT NOT NULL DEFAULT 0, "
                    + "PRIMARY KEY (SESSION_ID, SEQUENCE))");
            s.execute("CREATE INDEX IF NOT EXISTS FLOTILLA.SESSIONS_LAST_USED ON FLOTILLA.SESSIONS(LAST_USED_MILLIS)");
        }
    }

    /**
     * The outcome a write must get without being applied, if any: the stored outcome for a retry
     * of the session's last write, a refusal for anything older or for a forgotten session.
     */
    static Optional<Outcome> answered(Connection connection, long range, byte[] session, long sequence,
                                      long startedMillis, long nowMillis, long ttlMillis) throws SQLException {
        // Two lookups by key, never a scan of the session's rows: between two tidies a busy session
        // has up to an interval's worth of them, and every entry of every replica asks this once.
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT SEQUENCE, SQL_STATE, MESSAGE, APPLIED_INDEX, UPDATE_COUNT FROM FLOTILLA.SESSIONS "
                        + "WHERE SESSION_ID = ? AND SEQUENCE >= ? ORDER BY SEQUENCE DESC LIMIT 1")) {
            select.setBytes(1, session);
            select.setLong(2, sequence);
            try (ResultSet row = select.executeQuery()) {
                if (row.next()) {
                    long last = row.getLong(1);
                    if (sequence < last) {
                        return Optional.of(new Outcome.Refused(SqlStates.OUTCOME_UNKNOWN, "write " + sequence
                                + " of this session was superseded by write " + last + "; its outcome is no longer kept"));
                    }
                    String state = row.getString(2);
                    return Optional.of(state == null ? new Outcome.Applied(range, row.getLong(4), row.getLong(5))
                            : new Outcome.Refused(state, row.getString(3)));
                }
            }
        }
        if (known(connection, session)) {
            return Optional.empty();   // its last write is older: this one is new
        }
        // Unknown: new, unless the session is old enough to have had records that expired. Its
        // first write too: it may have applied, and its record expired, before this retry of it
        // arrived (a write retried for longer than the time-to-live applied twice in the whole-stack
        // simulator, seed 1829, when a first write was always taken for new). A client renews its
        // session before it writes after an idle spell (see the driver), so a session's writes
        // arrive young. (Statements that wrote nothing use numbers too, so 1 need not come first.)
        // A session that does not say when it began (0) has only its first write taken for new:
        // such a client must not retry that write after the time-to-live (the driver always says).
        boolean young = startedMillis > 0 && nowMillis - startedMillis < ttlMillis;
        boolean firstOfAnUndatedSession = startedMillis == 0 && sequence == 1;
        return young || firstOfAnUndatedSession ? Optional.empty() : Optional.of(new Outcome.Refused(SqlStates.OUTCOME_UNKNOWN,
                "session unknown to the range (expired?): the outcome of write " + sequence
                        + " and earlier ones cannot be told; start a new session"));
    }

    private static boolean known(Connection connection, byte[] session) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT 1 FROM FLOTILLA.SESSIONS WHERE SESSION_ID = ? LIMIT 1")) {
            select.setBytes(1, session);
            try (ResultSet row = select.executeQuery()) {
                return row.next();
            }
        }
    }

    /**
     * Records the outcome of a write the range has not answered before ({@link #answered} was
     * empty), so its key is new: an insert, which neither waits nor is refused under any isolation.
     */
    static void record(Connection connection, byte[] session, long sequence, Outcome outcome, long index,
                       long nowMillis) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO FLOTILLA.SESSIONS VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            insert.setBytes(1, session);
            insert.setLong(2, sequence);
            if (outcome instanceof Outcome.Refused r) {
                insert.setString(3, r.sqlState());
                String message = r.message();
                insert.setString(4, message.length() > 4096 ? message.substring(0, 4096) : message);
            } else {
                insert.setString(3, null);
                insert.setString(4, null);
            }
            insert.setLong(5, index);
            insert.setLong(6, nowMillis);
            insert.setLong(7, outcome instanceof Outcome.Applied a ? a.updateCount() : 0);
            insert.executeUpdate();
        }
    }

    /**
     * Housekeeping, on the apply session only, at the same indexes on every replica: deletes the
     * rows that a later write of the same session superseded (invisible to {@link #answered}), and,
     * given the proposing leader's clock, the sessions last used before {@code nowMillis -
     * ttlMillis} but {@code writing}, the session whose write is applied next (it is not idle).
     * Every row it deletes was committed by the apply thread, so no lock is in its way.
     */
    static void tidy(Connection connection, OptionalLong nowMillis, long ttlMillis, byte[] writing)
            throws SQLException {
        try (Statement delete = connection.createStatement()) {
            // A key lookup per row (is there a later one?), not an aggregate over the session's rows.
            delete.executeUpdate("DELETE FROM FLOTILLA.SESSIONS S WHERE EXISTS (SELECT 1 FROM FLOTILLA.SESSIONS L "
                    + "WHERE L.SESSION_ID = S.SESSION_ID AND L.SEQUENCE > S.SEQUENCE)");
        }
        if (nowMillis.isPresent()) {
            try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM FLOTILLA.SESSIONS WHERE LAST_USED_MILLIS < ? AND SESSION_ID <> ?")) {
                delete.setLong(1, nowMillis.getAsLong() - ttlMillis);
                delete.setBytes(2, writing);
                delete.executeUpdate();
            }
        }
    }
}
