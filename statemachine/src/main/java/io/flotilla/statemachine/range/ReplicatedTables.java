package io.flotilla.statemachine.range;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.TreeSet;

/** The tables whose rows a range replicates: base tables outside INFORMATION_SCHEMA and FLOTILLA. */
public final class ReplicatedTables {

    private ReplicatedTables() {
    }

    /** Their names, schema-qualified and quoted, ready to go into SQL. */
    static Set<String> names(Connection connection) throws SQLException {
        Set<String> names = new TreeSet<>();
        for (TableName table : tables(connection)) {
            names.add(table.quoted());
        }
        return names;
    }

    static Set<TableName> tables(Connection connection) throws SQLException {
        Set<TableName> tables = new TreeSet<>();
        try (Statement s = connection.createStatement();
             ResultSet rows = s.executeQuery("SELECT TABLE_SCHEMA, TABLE_NAME FROM INFORMATION_SCHEMA.TABLES "
                     + "WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN ('INFORMATION_SCHEMA', 'FLOTILLA')")) {
            while (rows.next()) {
                tables.add(new TableName(rows.getString(1), rows.getString(2)));
            }
        }
        return tables;
    }

    /** A schema-qualified name, quoted as H2's {@code SCRIPT} writes it. */
    static String qualified(String schema, String name) {
        return quote(schema) + "." + quote(name);
    }

    /** An SQL identifier as H2 reads it exactly: in double quotes, its own double quotes doubled. */
    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
