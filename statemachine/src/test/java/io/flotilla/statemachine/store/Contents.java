package io.flotilla.statemachine.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a database holds, in a form tests compare with assertEquals: schema and every row. */
final class Contents {

    private Contents() {
    }

    /** Every row of every base table, rendered as text and sorted, keyed by table. */
    static Map<String, List<String>> rows(Connection connection) throws SQLException {
        Map<String, List<String>> tables = new TreeMap<>();
        for (ImageTable table : TableCatalog.tables(connection)) {
            List<String> rows = new ArrayList<>();
            try (Statement statement = connection.createStatement();
                 ResultSet result = statement.executeQuery("SELECT * FROM " + table.qualifiedName())) {
                int columns = result.getMetaData().getColumnCount();
                while (result.next()) {
                    StringBuilder row = new StringBuilder();
                    for (int column = 1; column <= columns; column++) {
                        row.append(column == 1 ? "" : " | ").append(result.getString(column));
                    }
                    rows.add(row.toString());
                }
            }
            Collections.sort(rows);
            tables.put(table.qualifiedName(), rows);
        }
        return tables;
    }

    /** H2's own script of the schema, minus what differs between equal databases (users' salts). */
    static List<String> schema(Connection connection) throws SQLException {
        List<String> script = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SCRIPT NODATA NOVERSION")) {
            while (result.next()) {
                String sql = result.getString(1);
                if (!sql.startsWith("CREATE USER") && !sql.startsWith("--")) {
                    script.add(sql);
                }
            }
        }
        return script;
    }

    static long count(Connection connection, String table) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
            result.next();
            return result.getLong(1);
        }
    }

    static void execute(Connection connection, String... statements) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }
}
