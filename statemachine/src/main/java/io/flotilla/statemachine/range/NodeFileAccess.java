package io.flotilla.statemachine.range;

import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;

/**
 * H2 functions that read or write files, or reach other databases, on the node that runs them:
 * a client's SQL must not touch a replica's host. Found by scanning the statement's words outside
 * string literals, quoted identifiers and comments.
 */
final class NodeFileAccess {

    private static final Set<String> REFUSED = Set.of("FILE_READ", "FILE_WRITE", "CSVREAD", "CSVWRITE",
            "LINK_SCHEMA");

    private NodeFileAccess() {
    }

    static void refuse(String sql) throws SQLException {
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
                    throw new SQLException(word + " is not available on a replicated database: it would reach the "
                            + "node's files", SqlStates.NOT_SUPPORTED);
                }
            } else {
                i++;
            }
        }
    }
}
