package io.flotilla.sql;

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
