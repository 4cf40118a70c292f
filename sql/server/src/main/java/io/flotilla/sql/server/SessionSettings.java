package io.flotilla.sql.server;

import io.flotilla.statemachine.range.RangeSession;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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

    private static final String ISOLATION = "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL ";

    /** The settings a client may make, by the words that begin them. */
    enum Kind { ISOLATION, SCHEMA, TIME_ZONE, SEARCH_PATH }

    /** The last statement of each kind, in the order they were first made. */
    private final Map<Kind, String> made = new LinkedHashMap<>();

    /** Which setting a statement makes, if it is one a client may make. */
    static Optional<Kind> kindOf(String sql) {
        int start = 0;
        while (start < sql.length() && Character.isWhitespace(sql.charAt(start))) {
            start++;
        }
        if (!sql.regionMatches(true, start, "SET", 0, 3)) {
            // Every statement a node forwards is asked: most are not settings, and need no copy.
            return Optional.empty();
        }
        String upper = normalized(sql);
        if (upper.startsWith(ISOLATION)) {
            return Optional.of(Kind.ISOLATION);
        }
        if (upper.startsWith("SET SCHEMA ")) {
            return Optional.of(Kind.SCHEMA);
        }
        if (upper.startsWith("SET TIME ZONE ")) {
            return Optional.of(Kind.TIME_ZONE);
        }
        if (upper.startsWith("SET SCHEMA_SEARCH_PATH ")) {
            return Optional.of(Kind.SEARCH_PATH);
        }
        return Optional.empty();
    }

    /** The JDBC isolation level an isolation setting names. */
    static int isolationOf(String sql) throws SQLException {
        String level = normalized(sql).substring(ISOLATION.length()).trim();
        return switch (level) {
            case "READ UNCOMMITTED" -> Connection.TRANSACTION_READ_UNCOMMITTED;
            case "READ COMMITTED" -> Connection.TRANSACTION_READ_COMMITTED;
            case "REPEATABLE READ" -> Connection.TRANSACTION_REPEATABLE_READ;
            case "SERIALIZABLE" -> Connection.TRANSACTION_SERIALIZABLE;
            default -> throw new SQLException("unknown isolation level " + level, "42000");
        };
    }

    private static String normalized(String sql) {
        return sql.trim().toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
    }

    /**
     * A setting took effect (here, or at the leader it was forwarded to): later sessions get it
     * too. Returns the one of its kind it replaced, if any; anything but a setting is ignored.
     */
    Optional<String> made(String sql) {
        Optional<Kind> kind = kindOf(sql);
        return kind.isEmpty() ? Optional.empty() : Optional.ofNullable(made.put(kind.get(), sql));
    }

    /** A setting kept ahead did not take effect: the one it replaced stands again. */
    void undo(Kind kind, Optional<String> replaced) {
        replaced.ifPresentOrElse(sql -> made.put(kind, sql), () -> made.remove(kind));
    }

    /** Every setting made, as statements, for a new link to a leader. */
    List<String> statements() {
        return new ArrayList<>(made.values());
    }

    /** Gives a new range session on this node every setting made. */
    void applyTo(RangeSession session) throws SQLException {
        for (Map.Entry<Kind, String> s : made.entrySet()) {
            if (s.getKey() == Kind.ISOLATION) {
                session.setIsolation(isolationOf(s.getValue()));
            } else {
                session.setting(s.getValue());
            }
        }
    }

    /** Gives a follower read's own connection every setting made. */
    void applyTo(Connection connection) throws SQLException {
        for (Map.Entry<Kind, String> s : made.entrySet()) {
            if (s.getKey() == Kind.ISOLATION) {
                connection.setTransactionIsolation(isolationOf(s.getValue()));
            } else {
                try (Statement statement = connection.createStatement()) {
                    statement.execute(s.getValue());
                }
            }
        }
    }
}
