package io.flotilla.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SqlTextTest {

    @Test
    void countsParametersOutsideQuotesAndComments() {
        assertEquals(2, SqlText.parameterCount("SELECT * FROM t WHERE a = ? AND b = ?"));
        assertEquals(1, SqlText.parameterCount("SELECT '?', \"x?\" FROM t -- ?\n WHERE a = ? /* ? */"));
        assertEquals(0, SqlText.parameterCount("SELECT 'it''s ?'"));
    }

    @Test
    void classifiesReads() {
        assertTrue(SqlText.isRead("select * from t"));
        assertTrue(SqlText.isRead("  /* c */ (SELECT 1)"));
        assertTrue(SqlText.isRead("WITH x AS (SELECT 1) SELECT * FROM x"));
        assertFalse(SqlText.isRead("INSERT INTO t VALUES (1)"));
        assertFalse(SqlText.isRead("SELECT * FROM FINAL TABLE (INSERT INTO t VALUES (1))"));
        assertFalse(SqlText.isRead("SELECT NEXT VALUE FOR s"));
        assertTrue(SqlText.isRead("SELECT 'NEXT VALUE FOR s'"));
    }
}
