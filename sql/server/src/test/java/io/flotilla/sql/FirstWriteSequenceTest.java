package io.flotilla.sql;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Minimal reproduction: the driver gives every auto-commit statement that may write the session's
 * next sequence number, but a statement that replicates nothing (an UPDATE or DELETE matching no
 * row, a failed INSERT, SET SCHEMA) leaves no record in FLOTILLA.SESSIONS. When such statements
 * come first, the session's first real write carries sequence 2 or more, and
 * SessionTable.answered refuses any sequence but 1 from a session it has no record of:
 * 40003 "session unknown to the range (expired?)".
 */
class FirstWriteSequenceTest {

    private static LocalNodes nodes;

    @BeforeAll
    static void start() throws Exception {
        nodes = new LocalNodes(3);
        try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE FIRST_WRITE(ID INT PRIMARY KEY, V INT)");
            s.executeUpdate("INSERT INTO FIRST_WRITE VALUES (0, 0)");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        nodes.close();
    }

    @Test
    void insertAfterAnUpdateOfNoRow() throws Exception {
        try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
            assertEquals(0, s.executeUpdate("UPDATE FIRST_WRITE SET V = 1 WHERE ID = -1"));   // sequence 1: nothing replicated
            assertEquals(1, s.executeUpdate("INSERT INTO FIRST_WRITE VALUES (1, 1)"));        // sequence 2: 40003 today
        }
    }

    @Test
    void insertAfterADuplicateKey() throws Exception {
        try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
            SQLException duplicate = assertThrows(SQLException.class, () -> s.executeUpdate("INSERT INTO FIRST_WRITE VALUES (0, 9)"));
            assertEquals("23505", duplicate.getSQLState());
            assertEquals(1, s.executeUpdate("INSERT INTO FIRST_WRITE VALUES (2, 2)"));        // 40003 today
        }
    }
}
