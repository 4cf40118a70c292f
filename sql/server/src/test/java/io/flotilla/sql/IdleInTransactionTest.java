package io.flotilla.sql;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that opens a transaction, takes a row lock and then says nothing (its socket stays
 * open) loses the transaction after the idle-in-transaction timeout: its connection closes, the
 * lock is released and another writer of the row goes on; nothing of the abandoned transaction is
 * applied. A connection idle outside a transaction is left alone.
 */
class IdleInTransactionTest {

    @Test
    void anIdleTransactionIsRolledBackAndItsLocksReleased() throws Exception {
        try (LocalNodes nodes = LocalNodes.withFlags(3, "--idle-in-transaction-timeout-ms", "700")) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE ACCOUNTS(ID INT PRIMARY KEY, BALANCE INT)");
                s.execute("INSERT INTO ACCOUNTS VALUES (1, 100)");
            }
            try (Connection idleOutside = DriverManager.getConnection(nodes.url());
                 Connection hanging = DriverManager.getConnection(nodes.url());
                 Connection other = DriverManager.getConnection(nodes.url())) {
                hanging.setAutoCommit(false);
                try (Statement s = hanging.createStatement()) {
                    assertEquals(1, s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = 0 WHERE ID = 1"));
                }
                // The hanging client now says nothing. The other writer of the row waits for its
                // lock until the node ends the idle transaction, well inside H2's 10 s lock timeout.
                long started = System.nanoTime();
                try (Statement s = other.createStatement()) {
                    assertEquals(1, s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE + 1 WHERE ID = 1"));
                }
                long waitedMillis = (System.nanoTime() - started) / 1_000_000;
                assertTrue(waitedMillis < 8_000, "the lock was released after " + waitedMillis + " ms");
                try (Statement s = other.createStatement(); ResultSet rs = s.executeQuery("SELECT BALANCE FROM ACCOUNTS")) {
                    rs.next();
                    assertEquals(101, rs.getInt(1), "nothing of the abandoned transaction was applied");
                }
                SQLException lost = assertThrows(SQLException.class, hanging::commit);
                assertTrue(lost.getSQLState().startsWith("08") || lost.getSQLState().startsWith("40"),
                        lost.getSQLState() + " " + lost.getMessage());
                // Idle outside a transaction for longer than the timeout: still usable.
                try (Statement s = idleOutside.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM ACCOUNTS")) {
                    rs.next();
                    assertEquals(1, rs.getInt(1));
                }
            }
        }
    }
}
