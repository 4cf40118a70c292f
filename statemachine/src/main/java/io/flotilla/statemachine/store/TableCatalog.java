package io.flotilla.statemachine.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.schema.Schema;
import org.h2.table.Table;

/** The tables whose rows an image carries, and which table object each name denotes right now. */
final class TableCatalog {

    private TableCatalog() {
    }

    /** Every base table outside INFORMATION_SCHEMA, the bookkeeping schema included. */
    static List<ImageTable> tables(Connection connection) throws SQLException {
        List<String[]> names = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT TABLE_SCHEMA, TABLE_NAME FROM INFORMATION_SCHEMA.TABLES "
                     + "WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA <> 'INFORMATION_SCHEMA' "
                     + "ORDER BY TABLE_SCHEMA, TABLE_NAME")) {
            while (rows.next()) {
                names.add(new String[] {rows.getString(1), rows.getString(2)});
            }
        }
        List<ImageTable> tables = new ArrayList<>(names.size());
        try (PreparedStatement columns = connection.prepareStatement(
                "SELECT COLUMN_NAME, IS_GENERATED, IDENTITY_GENERATION FROM INFORMATION_SCHEMA.COLUMNS "
                        + "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")) {
            for (String[] name : names) {
                columns.setString(1, name[0]);
                columns.setString(2, name[1]);
                List<String> stored = new ArrayList<>();
                boolean alwaysIdentity = false;
                try (ResultSet rows = columns.executeQuery()) {
                    while (rows.next()) {
                        if ("ALWAYS".equals(rows.getString(2))) {
                            continue;
                        }
                        stored.add(rows.getString(1));
                        alwaysIdentity |= "ALWAYS".equals(rows.getString(3));
                    }
                }
                tables.add(new ImageTable(name[0], name[1], stored, alwaysIdentity));
            }
        }
        return tables;
    }

    /**
     * The internal id of the table object each name denotes, or -1 where there is none. DDL that
     * rewrites a table (adding or dropping a column, for one) gives it a new object and a new id,
     * so unchanged ids mean rows read under an MVCC snapshot belong to the schema that was scripted.
     */
    static Map<String, Integer> identities(Connection connection, List<ImageTable> tables) throws SQLException {
        SessionLocal session = (SessionLocal) connection.unwrap(JdbcConnection.class).getSession();
        Map<String, Integer> identities = new LinkedHashMap<>();
        for (ImageTable table : tables) {
            Schema schema = session.getDatabase().findSchema(table.schema());
            Table current = schema == null ? null : schema.findTableOrView(session, table.name());
            identities.put(table.qualifiedName(), current == null ? -1 : current.getId());
        }
        return identities;
    }
}
