package io.flotilla.sql;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A range forgets a session whose last write is older than its time-to-live, and then refuses the
 * session's writes as of unknown outcome: it cannot tell them from retries of writes whose record
 * expired (taking those for new applied a write twice in the whole-stack simulator). So a
 * connection that has not written for half the time-to-live (which the node tells it in its
 * HelloResult) starts a new session before it writes, and an application never sees this.
 */
class SessionRenewalTest {

    private static final Duration TTL = Duration.ofMillis(1500);

    @Test
    void aConnectionIdlePastTheSessionTimeToLiveStillWrites() throws Exception {
        try (LocalNodes nodes = LocalNodes.withSessionTtl(3, TTL);
             Connection idle = DriverManager.getConnection(nodes.url());
             Connection busy = DriverManager.getConnection(nodes.url());
             Statement s = idle.createStatement();
             Statement other = busy.createStatement()) {
            s.execute("CREATE TABLE NOTES(ID INT PRIMARY KEY)");
            s.executeUpdate("INSERT INTO NOTES VALUES (1)");
            // Not a wait for something to happen: the time itself is what is under test, the idle
            // connection's session must be older than the time-to-live.
            Thread.sleep(TTL.toMillis() + 200);
            // Another session's entry does the range's housekeeping: the idle session is forgotten.
            other.executeUpdate("INSERT INTO NOTES VALUES (100)");
            assertEquals(1, s.executeUpdate("INSERT INTO NOTES VALUES (2)"));
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM NOTES")) {
                assertTrue(rs.next());
                assertEquals(3, rs.getInt(1));
            }
        }
    }
}
