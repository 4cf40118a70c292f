package io.flotilla.statemachine.range;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * {@code FLOTILLA.SCHEMA_VERSION}: the log index of the last schema change the replica applied.
 * Every change set names the version its statements ran against, and is refused on every replica
 * when that is no longer the current one: its row images may not fit the tables any more.
 */
final class SchemaVersionTable {

    private SchemaVersionTable() {
    }

    static void ensure(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS FLOTILLA.SCHEMA_VERSION("
                    + "ID TINYINT PRIMARY KEY CHECK (ID = 0), VERSION BIGINT NOT NULL)");
            s.execute("MERGE INTO FLOTILLA.SCHEMA_VERSION KEY(ID) "
                    + "SELECT 0, 0 WHERE NOT EXISTS (SELECT 1 FROM FLOTILLA.SCHEMA_VERSION)");
        }
    }

    static long read(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet row = s.executeQuery("SELECT VERSION FROM FLOTILLA.SCHEMA_VERSION WHERE ID = 0")) {
            if (!row.next()) {
                throw new SQLException("FLOTILLA.SCHEMA_VERSION has no row", "XX001");
            }
            return row.getLong(1);
        }
    }

    static void write(Connection connection, long version) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE FLOTILLA.SCHEMA_VERSION SET VERSION = ? WHERE ID = 0")) {
            update.setLong(1, version);
            update.executeUpdate();
        }
    }
}
