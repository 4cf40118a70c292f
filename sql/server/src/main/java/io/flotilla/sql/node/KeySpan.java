package io.flotilla.sql.node;

import io.flotilla.statemachine.range.TableName;
import java.util.Objects;

/**
 * The keys a range covers: from {@code start} (inclusive) to {@code end} (exclusive; {@code null}
 * for no upper bound), compared as strings ({@link String#compareTo}).
 *
 * <p>A key names a row. A user table's rows are keyed {@code /table/<schema>/<table>/<primary key>}
 * and the meta range's own tables sort before every one of them (any key below {@code /table/}).
 * Schema and table names are escaped ({@code %} as {@code %25}, {@code /} as {@code %2F}) so that
 * one table's keys are contiguous and no table's prefix is another's. So the two ranges a cluster
 * starts with tile the whole key space: the meta range {@code ["", "/table/")} and the data range
 * {@code ["/table/", unbounded)}. A split of the data range at a key K leaves
 * {@code ["/table/", K)} and {@code [K, unbounded)}; how a primary key is written after the table's
 * prefix is the split's to define (nothing compares keys inside a table yet).
 */
public record KeySpan(String start, String end) {

    /** Where user tables' keys begin: every key below it belongs to the meta range. */
    public static final String TABLES = "/table/";
    /** The meta range's span at the cluster's start: everything below the user tables. */
    public static final KeySpan META = new KeySpan("", TABLES);
    /** The data range's span at the cluster's start: every user table. */
    public static final KeySpan ALL_TABLES = new KeySpan(TABLES, null);

    public KeySpan {
        Objects.requireNonNull(start, "start");
        if (end != null && end.compareTo(start) <= 0) {
            throw new IllegalArgumentException("an empty key span: [" + start + ", " + end + ")");
        }
    }

    public boolean contains(String key) {
        return key.compareTo(start) >= 0 && (end == null || key.compareTo(end) < 0);
    }

    /** The first key of a table: every row of it is keyed from here on, before any other table's. */
    public static String tableStart(TableName table) {
        return TABLES + escape(table.schema()) + "/" + escape(table.table()) + "/";
    }

    private static String escape(String name) {
        return name.replace("%", "%25").replace("/", "%2F");
    }
}
