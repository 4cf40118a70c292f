package io.flotilla.sql;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Minimal reproduction: in auto-commit mode, {@code SET SCHEMA} (a session setting the server runs
 * through {@code RangeSession.run}) leaves a held transaction open on the leader, so the next DDL
 * of that session is refused with 25000 "DDL cannot run inside a transaction" although the client
 * never opened one. Flyway does exactly this before each migration (it sets the schema).
 */
class SessionSettingThenDdlTest {

    private static LocalNodes nodes;

    @BeforeAll
    static void start() throws Exception {
        nodes = new LocalNodes(3);
    }

    @AfterAll
    static void stop() throws Exception {
        nodes.close();
    }

    @Test
    void ddlAfterSetSchemaInAutoCommit() throws Exception {
        try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
            assertTrue(c.getAutoCommit());
            s.execute("SET SCHEMA PUBLIC");
            s.execute("CREATE TABLE AFTER_SET_SCHEMA(ID INT PRIMARY KEY)");   // 40003 or 25000 today
        }
    }

    @Test
    void ddlAfterSetSchemaThroughJdbc() throws Exception {
        try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
            c.setSchema("PUBLIC");
            s.execute("CREATE TABLE AFTER_SET_SCHEMA_JDBC(ID INT PRIMARY KEY)");
        }
    }
}
