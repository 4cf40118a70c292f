package io.flotilla.sql;

import static io.flotilla.sql.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flotilla.sql.node.Node;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Queries across ranges on a 3-node cluster whose tables are split into several ranges: each one
 * gives, from every node, the answer an embedded H2 gives over the same rows (scans, key ranges
 * across a split, joins, aggregates, window functions, {@code ORDER BY}/{@code LIMIT}, subqueries,
 * a view, a computed column, a table without a primary key, parameters), before and after writes in
 * several ranges; and a query across ranges inside a transaction is refused while the transaction
 * goes on.
 */
class SpanningReadTest {

    private static final List<String> SCHEMA = List.of(
            "CREATE TABLE ACCOUNTS(ID INT PRIMARY KEY, OWNER VARCHAR(20), BALANCE DECIMAL(12, 2), OPENED DATE, "
                    + "DOUBLED DECIMAL(13, 2) GENERATED ALWAYS AS (BALANCE * 2))",
            "CREATE TABLE ORDERS(ID BIGINT PRIMARY KEY, ACCOUNT INT, AMOUNT INT, NOTE VARCHAR(40))",
            "CREATE TABLE TAGS(V INT, LABEL VARCHAR(10))",
            "CREATE VIEW RICH AS SELECT ID, OWNER, BALANCE FROM ACCOUNTS WHERE BALANCE > 500",
            "INSERT INTO ACCOUNTS(ID, OWNER, BALANCE, OPENED) SELECT X, 'owner' || MOD(X, 7), MOD(X * 37, 1000) + 0.25, "
                    + "DATEADD(DAY, X, DATE '2026-01-01') FROM SYSTEM_RANGE(0, 199)",
            "INSERT INTO ORDERS SELECT X, MOD(X * 13, 200), MOD(X * 7, 100), 'order ' || X FROM SYSTEM_RANGE(1, 300)",
            "INSERT INTO TAGS SELECT MOD(X, 5), 'tag' || MOD(X, 3) FROM SYSTEM_RANGE(1, 20)");

    private static final List<String> SPLITS = List.of(
            "ALTER TABLE ACCOUNTS SPLIT AT VALUES (50)",
            "ALTER TABLE ACCOUNTS SPLIT AT VALUES (120)",
            "ALTER TABLE ORDERS SPLIT AT VALUES (150)");

    private static final List<String> QUERIES = List.of(
            "SELECT COUNT(*), SUM(BALANCE), MIN(OPENED), MAX(OPENED) FROM ACCOUNTS",
            "SELECT * FROM ACCOUNTS ORDER BY ID",
            "SELECT ID, OWNER FROM ACCOUNTS WHERE ID BETWEEN 40 AND 130 ORDER BY ID",
            "SELECT ID FROM ACCOUNTS WHERE ID IN (3, 77, 150) ORDER BY ID",
            "SELECT OWNER, COUNT(*), MAX(BALANCE), AVG(BALANCE) FROM ACCOUNTS GROUP BY OWNER ORDER BY OWNER",
            "SELECT A.ID, O.ID, O.AMOUNT FROM ACCOUNTS A JOIN ORDERS O ON O.ACCOUNT = A.ID WHERE O.AMOUNT > 50 ORDER BY O.ID",
            "SELECT * FROM ACCOUNTS ORDER BY BALANCE DESC, ID LIMIT 7 OFFSET 3",
            "SELECT * FROM RICH ORDER BY ID",
            "SELECT V, LABEL, COUNT(*) FROM TAGS GROUP BY V, LABEL ORDER BY V, LABEL",
            "SELECT ID, SUM(AMOUNT) OVER (PARTITION BY ACCOUNT ORDER BY ID) FROM ORDERS ORDER BY ID",
            "SELECT DISTINCT ACCOUNT FROM ORDERS WHERE ACCOUNT NOT IN (SELECT ID FROM ACCOUNTS WHERE BALANCE < 100) "
                    + "ORDER BY 1",
            "SELECT ID, DOUBLED FROM ACCOUNTS WHERE ID IN (10, 100, 190) ORDER BY ID",
            "SELECT O.ACCOUNT, SUM(O.AMOUNT) FROM ORDERS O WHERE O.ID > 100 GROUP BY O.ACCOUNT HAVING SUM(O.AMOUNT) > 100 "
                    + "ORDER BY 1",
            "SELECT (SELECT COUNT(*) FROM ORDERS) + (SELECT COUNT(*) FROM ACCOUNTS)");

    private static final List<String> WRITES = List.of(
            "UPDATE ACCOUNTS SET BALANCE = BALANCE + 1000 WHERE ID = 7",
            "UPDATE ACCOUNTS SET BALANCE = 0 WHERE ID = 77",
            "DELETE FROM ACCOUNTS WHERE ID = 199",
            "INSERT INTO ACCOUNTS(ID, OWNER, BALANCE, OPENED) VALUES (500, 'late', 999.99, DATE '2027-01-01')",
            "INSERT INTO ORDERS VALUES (1000, 500, 5, 'late order')",
            "DELETE FROM ORDERS WHERE ID = 10");

    @Test
    void queriesAcrossRangesAnswerAsH2DoesOverTheSameRows() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3);
             Connection c = DriverManager.getConnection(nodes.url(1));
             Statement s = c.createStatement();
             Connection h2 = DriverManager.getConnection("jdbc:h2:mem:spanning-expected");
             Statement expected = h2.createStatement()) {
            for (String sql : SCHEMA) {
                s.execute(sql);
                expected.execute(sql);
            }
            for (String split : SPLITS) {
                s.execute(split);
            }
            await("every node holds the four data ranges", () -> {
                for (long id = 1; id <= 3; id++) {
                    if (nodes.node(id).replicas().keySet().stream().filter(r -> r != Node.META_RANGE).count() != 4) {
                        return false;
                    }
                }
                return true;
            });
            for (long id = 1; id <= 3; id++) {
                try (Connection n = DriverManager.getConnection(nodes.url(id)); Statement t = n.createStatement()) {
                    for (String q : QUERIES) {
                        assertEquals(rows(expected, q), rows(t, q), "node " + id + ": " + q);
                    }
                }
            }
            for (String w : WRITES) {
                assertEquals(expected.executeUpdate(w), s.executeUpdate(w), w);
            }
            for (String q : QUERIES) {
                assertEquals(rows(expected, q), rows(s, q), "after writes: " + q);
            }
            // Key bounds with parameters go to the ranges as H2 looks them up (ID < ?2 there, ID < ?1 here).
            for (String prepared : List.of("SELECT COUNT(*), SUM(AMOUNT) FROM ORDERS WHERE AMOUNT > ? AND ID < ?",
                    "SELECT COUNT(*), SUM(AMOUNT) FROM ORDERS WHERE ID < ? AND AMOUNT > ?")) {
                try (PreparedStatement p = c.prepareStatement(prepared); PreparedStatement e = h2.prepareStatement(prepared)) {
                    boolean idFirst = prepared.contains("ID < ? AND");
                    for (PreparedStatement ps : List.of(p, e)) {
                        ps.setInt(idFirst ? 2 : 1, 30);
                        ps.setLong(idFirst ? 1 : 2, 250);
                    }
                    assertEquals(rows(e.executeQuery()), rows(p.executeQuery()), prepared);
                }
            }
        }
    }

    @Test
    void aQueryAcrossRangesRunsOutsideATransactionOrAtReadCommitted() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3);
             Connection c = DriverManager.getConnection(nodes.url(2));
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE T(ID INT PRIMARY KEY, V INT)");
            s.execute("INSERT INTO T SELECT X, X FROM SYSTEM_RANGE(1, 100)");
            s.execute("ALTER TABLE T SPLIT AT VALUES (50)");

            c.setAutoCommit(false);
            assertEquals(List.of("100"), rows(s, "SELECT COUNT(*) FROM T"), "no transaction open yet, READ COMMITTED");
            assertEquals(1, s.executeUpdate("UPDATE T SET V = -1 WHERE ID = 10"));
            SQLException inTransaction = assertThrows(SQLException.class, () -> rows(s, "SELECT SUM(V) FROM T"));
            assertEquals("0A000", inTransaction.getSQLState(), inTransaction.getMessage());
            assertEquals(List.of("-1"), rows(s, "SELECT V FROM T WHERE ID = 10"), "the transaction goes on");
            c.commit();
            assertEquals(List.of(String.valueOf(5050 - 10 - 1)), rows(s, "SELECT SUM(V) FROM T"));
            c.commit();

            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            SQLException repeatable = assertThrows(SQLException.class, () -> rows(s, "SELECT SUM(V) FROM T"));
            assertEquals("0A000", repeatable.getSQLState(), repeatable.getMessage());
            c.rollback();
            c.setAutoCommit(true);
            assertEquals(List.of("100"), rows(s, "SELECT COUNT(*) FROM T"), "auto-commit, at any isolation level");

            SQLException lock = assertThrows(SQLException.class, () -> rows(s, "SELECT * FROM T FOR UPDATE"));
            assertEquals("0A000", lock.getSQLState(), lock.getMessage());
            SQLException write = assertThrows(SQLException.class, () -> s.executeUpdate("UPDATE T SET V = 0"));
            assertEquals("0A000", write.getSQLState(), write.getMessage());
            assertEquals(List.of("0"), rows(s, "SELECT COUNT(*) FROM T WHERE V = 0"), "nothing of the refused update ran");
        }
    }

    private static List<String> rows(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            return rows(rs);
        }
    }

    /** Every row as text, in order: each query above fixes its order, or has one row. */
    private static List<String> rows(ResultSet rs) throws SQLException {
        List<String> out = new ArrayList<>();
        ResultSetMetaData md = rs.getMetaData();
        while (rs.next()) {
            StringBuilder row = new StringBuilder();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                row.append(i > 1 ? "|" : "").append(rs.getString(i));
            }
            out.add(row.toString());
        }
        return out;
    }
}
