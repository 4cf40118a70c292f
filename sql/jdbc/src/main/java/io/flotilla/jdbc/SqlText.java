package io.flotilla.jdbc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The little the driver needs to know about SQL text: where the '?' parameters are and whether a
 * statement only reads. Quoted strings, quoted identifiers and comments are skipped.
 */
final class SqlText {
    private static final Set<String> READ_KEYWORDS = Set.of("SELECT", "VALUES", "TABLE", "WITH", "SHOW", "EXPLAIN");

    private SqlText() {
    }

    static int parameterCount(String sql) {
        int count = 0;
        for (Token t : tokens(sql)) {
            if (t.text.equals("?")) {
                count++;
            }
        }
        return count;
    }

    /**
     * True for statements that can only read, so they may be served by a follower and take no
     * write sequence number. Queries that change data (data change delta tables, sequence values)
     * count as writes: a retry of those must be de-duplicated like any other write.
     */
    static boolean isRead(String sql) {
        List<Token> tokens = tokens(sql);
        String first = null;
        for (Token t : tokens) {
            if (!t.text.equals("(")) {
                first = t.word;
                break;
            }
        }
        if (first == null || !READ_KEYWORDS.contains(first)) {
            return false;
        }
        for (int i = 0; i < tokens.size(); i++) {
            String w = tokens.get(i).word;
            if (w == null) {
                continue;
            }
            String next = i + 1 < tokens.size() ? tokens.get(i + 1).word : null;
            if (("FINAL".equals(w) || "NEW".equals(w) || "OLD".equals(w)) && "TABLE".equals(next)) {
                return false;
            }
            if ("NEXT".equals(w) && "VALUE".equals(next) || "NEXTVAL".equals(w) || "SETVAL".equals(w)) {
                return false;
            }
        }
        return true;
    }

    /** A delimited identifier, so any name (even with quotes or spaces) reaches the server intact. */
    static String quoteIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A character string literal. */
    static String quoteLiteral(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    /** A word (upper-cased in {@code word}) or a single punctuation character. */
    private record Token(String text, String word) {
    }

    private static List<Token> tokens(String sql) {
        List<Token> out = new ArrayList<>();
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                i = skipQuoted(sql, i, c);
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int eol = sql.indexOf('\n', i);
                i = eol < 0 ? n : eol + 1;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (c == '$' && i + 1 < n && sql.charAt(i + 1) == '$') {
                int end = sql.indexOf("$$", i + 2);   // H2's dollar-quoted strings
                i = end < 0 ? n : end + 2;
            } else if (Character.isLetterOrDigit(c) || c == '_') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
                    i++;
                }
                String w = sql.substring(start, i);
                out.add(new Token(w, w.toUpperCase(Locale.ROOT)));
            } else {
                if (!Character.isWhitespace(c)) {
                    out.add(new Token(String.valueOf(c), null));
                }
                i++;
            }
        }
        return out;
    }

    /** Index just past the closing quote; a doubled quote inside is an escaped quote. */
    private static int skipQuoted(String sql, int start, char quote) {
        int i = start + 1;
        while (i < sql.length()) {
            if (sql.charAt(i) == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return sql.length();
    }
}
