package io.flotilla.statemachine.store;

import java.util.List;

/**
 * One table whose rows an image carries: the stored columns in table order (generated columns are
 * recomputed, not carried) and whether inserting them must override a GENERATED ALWAYS identity.
 */
record ImageTable(String schema, String name, List<String> columns, boolean overridesIdentity) {

    ImageTable {
        columns = List.copyOf(columns);
    }

    String qualifiedName() {
        return quote(schema) + '.' + quote(name);
    }

    String selectSql() {
        return "SELECT " + columnList() + " FROM " + qualifiedName();
    }

    String insertSql() {
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(qualifiedName())
                .append('(').append(columnList()).append(')');
        if (overridesIdentity) {
            sql.append(" OVERRIDING SYSTEM VALUE");
        }
        sql.append(" VALUES(");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "?" : ", ?");
        }
        return sql.append(')').toString();
    }

    private String columnList() {
        StringBuilder list = new StringBuilder();
        for (String column : columns) {
            if (list.length() > 0) {
                list.append(", ");
            }
            list.append(quote(column));
        }
        return list.toString();
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
