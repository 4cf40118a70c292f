package io.flotilla.sql.node;

import java.util.Comparator;
import java.util.Objects;

/** A user table's schema and name, as H2 stores them (case as created, unquoted). */
public record TableName(String schema, String table) implements Comparable<TableName> {

    private static final Comparator<TableName> ORDER =
            Comparator.comparing(TableName::schema).thenComparing(TableName::table);

    public TableName {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(table, "table");
    }

    /** The table's first key: the range whose span holds it holds the table. */
    public String firstKey() {
        return KeySpan.tableStart(schema, table);
    }

    @Override
    public int compareTo(TableName other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return schema + "." + table;
    }
}
