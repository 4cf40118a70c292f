package io.flotilla.statemachine.keys;

import java.util.Arrays;
import java.util.Objects;

/**
 * The keys a range covers: from {@code start} (inclusive) to {@code end} (exclusive; {@code null}
 * for no upper bound), in {@link Key}'s order.
 *
 * <p>A user table's rows are keyed by its table id and primary key ({@link KeyEncoding#rowKey}),
 * so each table owns the contiguous span {@link #ofTable}. Table ids start at
 * {@value #FIRST_TABLE_ID}; keys below the first table's (table id 0 among them) belong to the
 * meta range. So the two ranges a cluster starts with tile the whole key space: the meta range
 * {@link #META} and the data range {@link #ALL_TABLES}; a split of the data range at a key K
 * leaves {@code [start, K)} and {@code [K, end)}.
 */
public record KeySpan(Key start, Key end) {

    /** The first id a table gets (the catalog's, {@code FLOTILLA.TABLE_IDS}). */
    public static final long FIRST_TABLE_ID = 1;
    /** The meta range's span at the cluster's start: everything below the user tables. */
    public static final KeySpan META = new KeySpan(Key.MIN, KeyEncoding.tablePrefix(FIRST_TABLE_ID));
    /** The data range's span at the cluster's start: every user table. */
    public static final KeySpan ALL_TABLES = new KeySpan(KeyEncoding.tablePrefix(FIRST_TABLE_ID), null);

    public KeySpan {
        Objects.requireNonNull(start, "start");
        if (end != null && end.compareTo(start) <= 0) {
            throw new IllegalArgumentException("an empty key span: [" + start + ", " + end + ")");
        }
    }

    /** The one key {@code key}: the next larger key is {@code key} and one zero byte. */
    public static KeySpan point(Key key) {
        byte[] bytes = key.toByteArray();
        byte[] next = Arrays.copyOf(bytes, bytes.length + 1);
        return new KeySpan(key, Key.of(next));
    }

    /** Every key that begins with {@code prefix}. */
    public static KeySpan prefixedBy(Key prefix) {
        return new KeySpan(prefix, prefix.prefixEnd());
    }

    /** Every key of one table's rows, and nothing else. */
    public static KeySpan ofTable(long tableId) {
        return prefixedBy(KeyEncoding.tablePrefix(tableId));
    }

    /** Whether this span begins with the first table: the first data range's, which sequences schema changes. */
    public boolean beginsWithTables() {
        return start.equals(ALL_TABLES.start());
    }

    public boolean contains(Key key) {
        return key.compareTo(start) >= 0 && (end == null || key.compareTo(end) < 0);
    }

    /** Whether every key of {@code other} is in this span. */
    public boolean covers(KeySpan other) {
        return other.start.compareTo(start) >= 0
                && (end == null || (other.end != null && other.end.compareTo(end) <= 0));
    }

    /** Whether some key is in both spans. */
    public boolean overlaps(KeySpan other) {
        return (end == null || other.start.compareTo(end) < 0) && (other.end == null || start.compareTo(other.end) < 0);
    }

    @Override
    public String toString() {
        return "[" + start + ", " + (end == null ? "/Max" : end.toString()) + ")";
    }
}
