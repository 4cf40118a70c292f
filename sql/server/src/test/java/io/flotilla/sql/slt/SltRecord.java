package io.flotilla.sql.slt;

import java.util.List;
import java.util.Optional;

/**
 * One record of a sqllogictest script, as the format defines it
 * (https://www.sqlite.org/sqllogictest/doc/trunk/about.wiki): a statement, a query with its expected
 * result, or a control record. {@code line} is where the record starts in its file (1-based).
 */
public sealed interface SltRecord {

    int line();

    /** {@code statement ok} or {@code statement error}: the SQL must succeed, or must fail. */
    record Statement(int line, Conditions conditions, boolean expectSuccess, String sql) implements SltRecord {
    }

    /**
     * {@code query <types> [<sort>] [<label>]}: one type letter per result column ({@code I} integer,
     * {@code R} real, {@code T} text), how to order the values before comparing, and an optional
     * label: every query of a file with the same label must give the same values.
     */
    record Query(int line, Conditions conditions, String columnTypes, SortMode sortMode, Optional<String> label,
            String sql, Expected expected) implements SltRecord {
    }

    /** {@code hash-threshold N}: results of more than N values are compared by their MD5 (0: never). */
    record HashThreshold(int line, int threshold) implements SltRecord {
    }

    /** {@code halt}: the rest of the file is not run (on engines its conditions select). */
    record Halt(int line, Conditions conditions) implements SltRecord {
    }

    /**
     * The {@code skipif <engine>} and {@code onlyif <engine>} lines before a record: it runs on an
     * engine that no {@code skipif} names and, if there is any {@code onlyif}, that one names.
     */
    record Conditions(List<String> skipIf, List<String> onlyIf) {

        public static final Conditions ALWAYS = new Conditions(List.of(), List.of());

        public boolean runOn(String engine) {
            return !skipIf.contains(engine) && (onlyIf.isEmpty() || onlyIf.contains(engine));
        }
    }

    enum SortMode {
        /** The values in the order the engine returned them. */
        NOSORT,
        /** Rows sorted, comparing value by value as text (strcmp). */
        ROWSORT,
        /** Every value sorted on its own, as text, regardless of rows. */
        VALUESORT
    }

    /** What a query's record says its result is. */
    sealed interface Expected {

        /** The values, one per line, in the order of the sort mode. */
        record Values(List<String> values) implements Expected {
        }

        /** {@code N values hashing to <md5>}: the count and the MD5 of every value followed by a newline. */
        record Hash(int count, String md5) implements Expected {

            @Override
            public String toString() {
                return SltFormat.hashLine(count, md5);
            }
        }

        /** No {@code ----} line: the query only has to run. */
        record Unchecked() implements Expected {
        }
    }
}
