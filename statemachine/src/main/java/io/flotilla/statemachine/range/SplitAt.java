package io.flotilla.statemachine.range;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ALTER TABLE t SPLIT AT VALUES (v, ...)} (CockroachDB's spelling): split the range that
 * holds the key {@code (v, ...)} of table {@code t} there, the values naming the table's leading
 * primary key columns. H2 does not know the statement: it is recognised here, and its table and
 * values are resolved by H2 as a query ({@link RangeSession#splitKey}).
 */
public record SplitAt(String table, String values) {

    private static final Pattern SYNTAX = Pattern.compile(
            "\\s*ALTER\\s+TABLE\\s+(.+?)\\s+SPLIT\\s+AT\\s+VALUES\\s*\\((.+)\\)\\s*", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    /** The statement, if {@code sql} is one. */
    public static Optional<SplitAt> parse(String sql) {
        if (!sql.stripLeading().toUpperCase(Locale.ROOT).startsWith("ALTER")) {
            return Optional.empty();
        }
        Matcher m = SYNTAX.matcher(sql);
        return m.matches() ? Optional.of(new SplitAt(m.group(1), m.group(2))) : Optional.empty();
    }
}
