package io.flotilla.statemachine.range;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code SHOW RANGES FROM TABLE t} (CockroachDB's spelling): the rows of {@code FLOTILLA.RANGES}
 * whose spans hold keys of table {@code t}. H2 does not know the statement: it is recognised here,
 * its table resolved by H2 ({@link RangeSession#tableSpan}), and it runs as a query of the view.
 */
public record ShowRanges(String table) {

    private static final Pattern SYNTAX = Pattern.compile("\\s*SHOW\\s+RANGES\\s+FROM\\s+TABLE\\s+(.+?)\\s*",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    /** The statement, if {@code sql} is one. */
    public static Optional<ShowRanges> parse(String sql) {
        Matcher m = SYNTAX.matcher(sql);
        return m.matches() ? Optional.of(new ShowRanges(m.group(1))) : Optional.empty();
    }
}
