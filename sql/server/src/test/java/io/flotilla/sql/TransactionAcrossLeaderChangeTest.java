package io.flotilla.sql;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A transaction whose leader loses the range in its middle is rolled back as a whole (40001), never
 * committed with only the statements that came after: the statement after the change used to be
 * sent on to the new leader as the first of a new transaction, and a bank transfer committed one
 * of its two updates (found by the network tests, with the leader cut off from the others).
 */
class TransactionAcrossLeaderChangeTest {

    @ParameterizedTest(name = "client connected to the {0}")
    @ValueSource(strings = {"leader", "follower"})
    void aTransferIsWholeOrNotAtAll(String connectedTo) throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE ACCOUNTS(ID INT PRIMARY KEY, BALANCE INT NOT NULL)");
                s.execute("INSERT INTO ACCOUNTS VALUES (1, 100), (2, 100)");
            }
            long leader = nodes.awaitServing();
            long follower = leader % 3 + 1;
            long next = connectedTo.equals("leader") ? follower : follower % 3 + 1;
            long node = connectedTo.equals("leader") ? leader : follower;
            try (Connection c = DriverManager.getConnection(nodes.url(node)); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                assertEquals(1, s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE - 10 WHERE ID = 1"));
                nodes.transferLeadership(next);
                SQLException lost = assertThrows(SQLException.class, () -> {
                    s.executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE + 10 WHERE ID = 2");
                    c.commit();
                }, "the transaction's first update was rolled back with the old leader's term");
                assertEquals("40001", lost.getSQLState(), lost.getMessage());
                c.rollback();
            }
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT SUM(BALANCE) FROM ACCOUNTS")) {
                rs.next();
                assertEquals(200, rs.getInt(1), "the total is intact: the transfer applied whole or not at all");
            }
        }
    }

}
