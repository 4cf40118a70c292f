package io.flotilla.sql;

import io.flotilla.jdbc.FlotillaConnection;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A session's settings (isolation level, schema) hold on whatever H2 session serves it: after the
 * leader moves away from the node it is connected to (its transactions are forwarded to a new
 * leader over a new link) and after it moves back (they run in a new range session here). A
 * SERIALIZABLE session used to run at READ COMMITTED after a leader change, and a bank workload
 * lost the constant total through its lost updates.
 */
class SessionSettingsFailoverTest {

    @Test
    void isolationAndSchemaSurviveLeadershipMovingAwayAndBack() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA APP");
                s.execute("CREATE TABLE APP.T(ID INT PRIMARY KEY)");
            }
            long leader = nodes.awaitServing();
            long other = leader == 1 ? 2 : 1;
            try (Connection c = DriverManager.getConnection(nodes.url(leader))) {
                c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
                c.setSchema("APP");
                c.setAutoCommit(false);
                assertSettings(c, "where they were made");

                nodes.transferLeadership(other);
                assertSettings(c, "at the new leader, through the node the client is connected to");

                nodes.transferLeadership(leader);
                assertSettings(c, "back on the node the client is connected to, in a new range session");
            }
        }
    }

    /**
     * Settings made by statements rather than JDBC calls hold when the driver moves to another
     * node (here it follows the leader): each node keeps them only for its own link, so the
     * driver gives them to every new one. Before, the next query ran in PUBLIC (sqllogictest found it).
     */
    @Test
    void settingsMadeByStatementsFollowTheDriverToAnotherNode() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            long leader = nodes.awaitServing();
            long other = leader == 1 ? 2 : 1;
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA S1");
                s.execute("SET SCHEMA S1");
                s.execute("SET TIME ZONE '+05:45'");
                s.execute("CREATE TABLE T(ID INT PRIMARY KEY)");
                s.executeUpdate("INSERT INTO T VALUES (1)");
                String before = c.unwrap(FlotillaConnection.class).getCurrentNode();
                nodes.transferLeadership(other);
                Eventually.await("the driver follows the leader to another node", () -> {
                    try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM T")) {
                        rs.next();
                        assertEquals(1, rs.getInt(1), "T is found in S1");
                    }
                    return !before.equals(c.unwrap(FlotillaConnection.class).getCurrentNode());
                });
                try (ResultSet rs = s.executeQuery("SELECT CURRENT_SCHEMA, EXTRACT(TIMEZONE_HOUR FROM CURRENT_TIMESTAMP), "
                        + "EXTRACT(TIMEZONE_MINUTE FROM CURRENT_TIMESTAMP)")) {
                    rs.next();
                    assertEquals("S1", rs.getString(1));
                    assertEquals(5, rs.getInt(2));
                    assertEquals(45, rs.getInt(3));
                }
            }
        }
    }

    private static void assertSettings(Connection c, String where) throws Exception {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT ISOLATION_LEVEL, CURRENT_SCHEMA, (SELECT COUNT(*) FROM T) "
                     + "FROM INFORMATION_SCHEMA.SESSIONS WHERE SESSION_ID = SESSION_ID()")) {
            rs.next();
            assertEquals("SERIALIZABLE", rs.getString(1), where);
            assertEquals("APP", rs.getString(2), where);
        }
        c.commit();
    }
}
