package io.flotilla.statemachine.range;

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

    /** Schema-qualified and quoted, as H2's {@code SCRIPT} writes it: ready to go into SQL. */
    public String quoted() {
        return ReplicatedTables.qualified(schema, table);
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
