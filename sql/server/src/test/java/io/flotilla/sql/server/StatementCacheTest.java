package io.flotilla.sql.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Statements kept parsed per connection: reused, reset between uses, bounded, and right after DDL. */
class StatementCacheTest {

    private Connection c;
    private StatementCache cache;

    @BeforeEach
    void open() throws SQLException {
        c = DriverManager.getConnection("jdbc:h2:mem:cache-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=0", "sa", "");
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE T(ID INT PRIMARY KEY, V INT)");
            s.execute("INSERT INTO T VALUES (1, 10), (2, 20), (3, 30)");
        }
        cache = new StatementCache(c);
    }

    @AfterEach
    void close() throws SQLException {
        cache.close();
        c.close();
    }

    @Test
    void aStatementGivenBackIsReusedForTheSameText() throws SQLException {
        PreparedStatement first = cache.take("SELECT V FROM T WHERE ID = ?");
        PreparedStatement other = cache.take("SELECT V FROM T WHERE ID = ?");
        assertNotSame(first, other, "two executions at once never share a statement");
        cache.give("SELECT V FROM T WHERE ID = ?", first);
        other.close();
        assertSame(first, cache.take("SELECT V FROM T WHERE ID = ?"));
        assertEquals(2, cache.parsed());
        assertEquals(1, cache.reused());
    }

    @Test
    void perExecutionSettingsAndParametersDoNotCarryOver() throws SQLException {
        PreparedStatement ps = cache.take("SELECT ID FROM T WHERE V > ? ORDER BY ID");
        ps.setLargeMaxRows(1);
        ps.setQueryTimeout(5);
        ps.setInt(1, 0);
        assertEquals(List.of(1), ids(ps));
        cache.give("SELECT ID FROM T WHERE V > ? ORDER BY ID", ps);
        PreparedStatement again = cache.take("SELECT ID FROM T WHERE V > ? ORDER BY ID");
        assertEquals(0, again.getLargeMaxRows());
        assertEquals(0, again.getQueryTimeout());
        SQLException unset = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, again::executeQuery);
        assertTrue(unset.getMessage().contains("#1"), unset.getMessage());
        again.setInt(1, 0);
        assertEquals(List.of(1, 2, 3), ids(again));
    }

    @Test
    void aKeptStatementSeesTheSchemaAsItIsNow() throws SQLException {
        PreparedStatement ps = cache.take("SELECT * FROM T ORDER BY ID");
        try (ResultSet rs = ps.executeQuery()) {
            assertEquals(2, rs.getMetaData().getColumnCount());
        }
        cache.give("SELECT * FROM T ORDER BY ID", ps);
        try (Statement s = c.createStatement()) {
            s.execute("ALTER TABLE T ADD COLUMN W INT DEFAULT 7");
        }
        PreparedStatement kept = cache.take("SELECT * FROM T ORDER BY ID");
        assertSame(ps, kept);
        try (ResultSet rs = kept.executeQuery()) {
            assertEquals(3, rs.getMetaData().getColumnCount());
            rs.next();
            assertEquals(7, rs.getInt("W"));
        }
    }

    @Test
    void theLeastRecentlyUsedBeyondTheCapacityAreClosed() throws SQLException {
        List<PreparedStatement> statements = new ArrayList<>();
        for (int i = 0; i <= StatementCache.CAPACITY; i++) {
            PreparedStatement ps = cache.take("SELECT " + i);
            statements.add(ps);
            cache.give("SELECT " + i, ps);
        }
        assertTrue(statements.get(0).isClosed(), "the eldest went over the capacity");
        assertTrue(!statements.get(1).isClosed());
        PreparedStatement evicted = cache.take("SELECT 0");
        assertNotSame(statements.get(0), evicted);
    }

    private static List<Integer> ids(PreparedStatement ps) throws SQLException {
        List<Integer> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getInt(1));
            }
        }
        return out;
    }
}
