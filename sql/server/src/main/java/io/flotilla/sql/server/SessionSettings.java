package io.flotilla.sql.server;

import io.flotilla.protocol.SessionSetting;
import io.flotilla.statemachine.range.RangeSession;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a client session has set for itself (isolation level, schema, time zone, schema search
 * path), kept by the node it is connected to: every H2 session that serves it later gets them
 * again, whether a new range session on this node (after a statement was forwarded, or a commit
 * timed out), a follower read's connection, or a new link to another leader. Without this, a
 * session that asked for SERIALIZABLE ran its transactions at READ COMMITTED after a leader change.
 */
final class SessionSettings {

    /** The last statement of each kind, in the order they were first made. */
    private final Map<SessionSetting, String> made = new LinkedHashMap<>();

    /** The JDBC isolation level an isolation setting names. */
    static int isolationOf(String sql) throws SQLException {
        String level = SessionSetting.normalized(sql).substring(SessionSetting.ISOLATION_PREFIX.length()).trim();
        return switch (level) {
            case "READ UNCOMMITTED" -> Connection.TRANSACTION_READ_UNCOMMITTED;
            case "READ COMMITTED" -> Connection.TRANSACTION_READ_COMMITTED;
            case "REPEATABLE READ" -> Connection.TRANSACTION_REPEATABLE_READ;
            case "SERIALIZABLE" -> Connection.TRANSACTION_SERIALIZABLE;
            default -> throw new SQLException("unknown isolation level " + level, "42000");
        };
    }

    /**
     * A setting took effect (here, or at the leader it was forwarded to): later sessions get it
     * too. Returns the one of its kind it replaced, if any; anything but a setting is ignored.
     */
    Optional<String> made(String sql) {
        Optional<SessionSetting> kind = SessionSetting.of(sql);
        return kind.isEmpty() ? Optional.empty() : Optional.ofNullable(made.put(kind.get(), sql));
    }

    /** A setting kept ahead did not take effect: the one it replaced stands again. */
    void undo(SessionSetting kind, Optional<String> replaced) {
        replaced.ifPresentOrElse(sql -> made.put(kind, sql), () -> made.remove(kind));
    }

    /** Whether the session's transactions run at READ COMMITTED (H2's default) or below. */
    boolean readCommitted() throws SQLException {
        String isolation = made.get(SessionSetting.ISOLATION);
        return isolation == null || isolationOf(isolation) <= Connection.TRANSACTION_READ_COMMITTED;
    }

    /** Every setting made, as statements, for a new link to a leader. */
    List<String> statements() {
        return new ArrayList<>(made.values());
    }

    /** Gives a new range session on this node every setting made. */
    void applyTo(RangeSession session) throws SQLException {
        for (Map.Entry<SessionSetting, String> s : made.entrySet()) {
            if (s.getKey() == SessionSetting.ISOLATION) {
                session.setIsolation(isolationOf(s.getValue()));
            } else {
                session.setting(s.getValue());
            }
        }
    }

    /** Gives a follower read's own connection every setting made. */
    void applyTo(Connection connection) throws SQLException {
        for (Map.Entry<SessionSetting, String> s : made.entrySet()) {
            if (s.getKey() == SessionSetting.ISOLATION) {
                connection.setTransactionIsolation(isolationOf(s.getValue()));
            } else {
                try (Statement statement = connection.createStatement()) {
                    statement.execute(s.getValue());
                }
            }
        }
    }
}
