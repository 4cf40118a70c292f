package io.flotilla.statemachine.range;

import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;

/**
 * H2 functions that reach beyond the client's own session on the node that runs them: files
 * ({@code FILE_READ}, {@code FILE_WRITE}, {@code CSVREAD}, {@code CSVWRITE}), other databases
 * ({@code LINK_SCHEMA}), other sessions ({@code ABORT_SESSION}, {@code CANCEL_SESSION}, which could
 * end the replica's own apply session) and the node's file system layout ({@code DATABASE_PATH}).
 * A trigger given as source code ({@code CREATE TRIGGER ... AS}) would compile and run Java on the
 * node. Found by scanning the statement's words outside string literals, quoted identifiers and
 * comments.
 *
 * <p>H2's other built-ins were reviewed and read only the session or the database's own state
 * (MEMORY_USED, DISK_SPACE_USED, SESSION_ID, LOCK_TIMEOUT, TRANSACTION_ID, ...); a value that
 * differs between replicas reaches the others as a row image, so it needs no refusal.
 */
final class NodeAccess {

    private static final Set<String> REFUSED = Set.of("FILE_READ", "FILE_WRITE", "CSVREAD", "CSVWRITE",
            "LINK_SCHEMA", "ABORT_SESSION", "CANCEL_SESSION", "DATABASE_PATH");

    private NodeAccess() {
    }

    static void refuse(String sql) throws SQLException {
        int words = 0;
        String[] leading = new String[3];
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"') {
                i = sql.indexOf(c, i + 1);
                if (i < 0) {
                    return;
                }
                i++;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
                    i++;
                }
                String word = sql.substring(start, i).toUpperCase(Locale.ROOT);
                if (REFUSED.contains(word)) {
                    throw new SQLException(word + " is not available on a replicated database: it would reach "
                            + "beyond the session, on the node", SqlStates.NOT_SUPPORTED);
                }
                if (words < 3) {
                    leading[words] = word;
                }
                words++;
                boolean trigger = "CREATE".equals(leading[0]) && ("TRIGGER".equals(leading[1])
                        || "FORCE".equals(leading[1]) && "TRIGGER".equals(leading[2]));
                if (trigger && word.equals("AS")) {
                    throw new SQLException("a trigger given as source code is not available on a replicated database: "
                            + "it would compile and run Java on the node; name a trigger class with CALL",
                            SqlStates.NOT_SUPPORTED);
                }
            } else {
                i++;
            }
        }
    }
}
