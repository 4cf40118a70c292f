package io.flotilla.sql;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A large result is read in pages from a cursor the node keeps, and while it is open the range goes
 * on applying writes: the cursor reads its own snapshot and holds nothing the apply path needs.
 */
class StreamingResultTest {

    private static final int ROWS = 50_000;

    @Test
    void aLargeResultStreamsInPagesWhileTheRangeGoesOnCommitting() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3); Connection reader = DriverManager.getConnection(nodes.url());
             Connection writer = DriverManager.getConnection(nodes.url());
             Statement w = writer.createStatement()) {
            w.execute("CREATE TABLE BIG(ID INT PRIMARY KEY, PAD VARCHAR(100))");
            assertEquals(ROWS, w.executeUpdate("INSERT INTO BIG SELECT X, REPEAT('p', 50) FROM SYSTEM_RANGE(1, " + ROWS + ")"));
            reader.setAutoCommit(false);   // a cursor lives as long as its transaction
            AtomicInteger inserted = new AtomicInteger();
            for (int attempt = 1; ; attempt++) {
                try {
                    readAll(reader, w, inserted);
                    break;
                } catch (SQLTransactionRollbackException e) {
                    // A leader change reaches a transaction as 40001: it is retried whole, as applications do.
                    reader.rollback();
                    assertTrue(attempt < 3, "rolled back three times: " + e);
                }
            }
            try (ResultSet count = w.executeQuery("SELECT COUNT(*) FROM BIG")) {
                assertTrue(count.next());
                assertEquals(ROWS + inserted.get(), count.getLong(1));
            }
        }
    }

    /**
     * Reads the table's first {@link #ROWS} rows in pages of 500, having the writer insert a row
     * every 10,000 (counted in {@code inserted}).
     */
    private static void readAll(Connection reader, Statement w, AtomicInteger inserted) throws SQLException {
        try (Statement r = reader.createStatement()) {
            r.setFetchSize(500);
            try (ResultSet rows = r.executeQuery("SELECT ID FROM BIG WHERE ID <= " + ROWS + " ORDER BY ID")) {
                long seen = 0;
                long sum = 0;
                while (rows.next()) {
                    seen++;
                    sum += rows.getInt(1);
                    if (seen % 10_000 == 0) {
                        // Between pages: another session's writes commit (apply is not held up).
                        long id = 2L * ROWS + inserted.get();
                        assertEquals(1, w.executeUpdate("INSERT INTO BIG VALUES (" + id + ", 'new')"));
                        inserted.incrementAndGet();
                    }
                }
                assertEquals(ROWS, seen, "the cursor reads the snapshot it began with");
                assertEquals((long) ROWS * (ROWS + 1) / 2, sum);
            }
        }
        reader.commit();
    }
}
