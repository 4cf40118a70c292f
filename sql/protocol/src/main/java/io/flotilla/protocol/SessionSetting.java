package io.flotilla.protocol;

import java.util.Locale;
import java.util.Optional;

/**
 * The settings a client session may make for itself by statement, by the words that begin them.
 * A node keeps them for every H2 session that serves the client later, and the driver for every
 * node it talks to later: both must agree on what a setting is, so both ask here.
 */
public enum SessionSetting {
    ISOLATION, SCHEMA, TIME_ZONE, SEARCH_PATH;

    /** How a statement that sets the isolation level begins, normalized. */
    public static final String ISOLATION_PREFIX = "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL ";

    /** Which setting a statement makes, if it is one a client may make. */
    public static Optional<SessionSetting> of(String sql) {
        int start = 0;
        while (start < sql.length() && Character.isWhitespace(sql.charAt(start))) {
            start++;
        }
        if (!sql.regionMatches(true, start, "SET", 0, 3)) {
            // Most statements are asked: they are not settings, and need no copy.
            return Optional.empty();
        }
        String upper = normalized(sql);
        if (upper.startsWith(ISOLATION_PREFIX)) {
            return Optional.of(ISOLATION);
        }
        if (upper.startsWith("SET SCHEMA ")) {
            return Optional.of(SCHEMA);
        }
        if (upper.startsWith("SET TIME ZONE ")) {
            return Optional.of(TIME_ZONE);
        }
        if (upper.startsWith("SET SCHEMA_SEARCH_PATH ")) {
            return Optional.of(SEARCH_PATH);
        }
        return Optional.empty();
    }

    /** Upper case, blanks collapsed, trimmed. */
    public static String normalized(String sql) {
        return sql.trim().toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
    }
}
