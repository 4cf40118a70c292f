package io.flotilla.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.protocol.Consistency;
import io.flotilla.protocol.Execute;
import io.flotilla.protocol.Request;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransactionTest extends FakeClusterTest {

    private int count(String table) throws SQLException {
        try (Connection h2 = cluster.h2(); Statement s = h2.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private List<Execute> executes() {
        return node1.requests(Request.KindCase.EXECUTE).stream().map(Request::getExecute).toList();
    }

    @Test
    void writesAndCommitsTakeConsecutiveSequenceNumbers() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INT PRIMARY KEY)");        // 1
            s.execute("INSERT INTO t VALUES (1)");                  // 2
            s.executeQuery("SELECT * FROM t").close();              // a read: no number
            c.setAutoCommit(false);
            s.execute("INSERT INTO t VALUES (2)");                  // in a transaction: no number
            c.commit();                                             // 3
            c.setAutoCommit(true);
            s.execute("INSERT INTO t VALUES (3)");                  // 4
            List<Execute> ex = executes();
            assertEquals(List.of(1L, 2L, 0L, 0L, 4L), ex.stream().map(Execute::getSequence).toList());
            assertTrue(ex.get(2).hasConsistency());
            assertFalse(ex.get(3).getAutoCommit());
            assertEquals(3, node1.requests(Request.KindCase.COMMIT).get(0).getCommit().getSequence());
            assertEquals(3, count("t"));
            assertEquals(cluster.applied(), ((FlotillaConnection) c).getHighestLsn(1));
        }
    }

    @Test
    void commitRollbackAndSavepoints() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INT PRIMARY KEY)");
            c.setAutoCommit(false);
            s.execute("INSERT INTO t VALUES (1)");
            assertEquals(0, count("t"));
            c.rollback();
            s.execute("INSERT INTO t VALUES (2)");
            Savepoint sp = c.setSavepoint();
            s.execute("INSERT INTO t VALUES (3)");
            Savepoint named = c.setSavepoint("named one");
            s.execute("INSERT INTO t VALUES (4)");
            c.rollback(named);
            c.releaseSavepoint(named);
            c.rollback(sp);
            c.commit();
            assertEquals(1, count("t"));
            s.execute("INSERT INTO t VALUES (5)");
            c.setAutoCommit(true);   // commits
            assertEquals(2, count("t"));
            assertThrows(SQLException.class, c::commit);
            assertThrows(SQLException.class, c::setSavepoint);
        }
    }

    @Test
    void isolationSchemaAndReadOnlyAreSessionSettings() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            assertEquals(Connection.TRANSACTION_SERIALIZABLE, c.getTransactionIsolation());
            assertTrue(executes().get(0).getSql().endsWith("ISOLATION LEVEL SERIALIZABLE"));
            s.execute("CREATE SCHEMA other");
            c.setSchema("OTHER");
            assertEquals("OTHER", c.getSchema());
            assertEquals(c.getCatalog(), c.getMetaData().getCatalogs().next() ? c.getCatalog() : null);
            c.setAutoCommit(false);
            s.execute("CREATE TABLE t(id INT)");
            s.execute("INSERT INTO t VALUES (1)");
            assertEquals("25001", assertThrows(SQLException.class,
                    () -> c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED)).getSQLState());
            c.rollback();
            c.setReadOnly(true);
            assertTrue(c.isReadOnly());
            assertTrue(node1.requests(Request.KindCase.HELLO).size() + node2.requests(Request.KindCase.HELLO).size() >= 1);
        }
    }

    @Test
    void sessionReadsCarryTheHighestLsnSeen() throws Exception {
        try (Connection c = connect("consistency=session&failoverTimeout=5000"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INT)");
            s.execute("INSERT INTO t VALUES (1)");
            s.executeQuery("SELECT * FROM t").close();
            ((FlotillaStatement) s).setConsistency("bounded:500");
            s.executeQuery("SELECT * FROM t").close();
            ((FlotillaConnection) c).setConsistency("stale");
            ((FlotillaStatement) s).setConsistency(null);
            s.executeQuery("SELECT * FROM t").close();
            List<Execute> ex = executes();
            Consistency session = ex.get(2).getConsistency();
            assertEquals(Consistency.Level.SESSION, session.getLevel());
            assertEquals(2, session.getMinLsn().getIndex());
            assertEquals(Consistency.Level.BOUNDED, ex.get(3).getConsistency().getLevel());
            assertEquals(500, ex.get(3).getConsistency().getMaxStalenessMillis());
            assertEquals(Consistency.Level.STALE, ex.get(4).getConsistency().getLevel());
        }
    }
}
