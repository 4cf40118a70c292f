package io.flotilla.sql;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Leader transfers while a client runs large auto-commit statements: the application sees none of
 * them. A statement the old leader was running when it stepped down applied nothing; the node
 * answers "not the leader" and the driver (or the node forwarding the statement) sends it again,
 * under its session sequence, to the new leader. Before, such statements failed with 40001 (6 of
 * 217 over 14 transfers on a cluster of processes).
 */
class LeaderTransferUnderLoadTest {

    private static final int TRANSFERS = 10;
    private static final int ROWS_PER_STATEMENT = 2_000;

    @Test
    void autoCommitStatementsNeverSeeALeaderTransfer() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE BIG(ID BIGINT PRIMARY KEY, PAD VARCHAR(200))");
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong acknowledged = new AtomicLong();
            List<SQLException> failures = Collections.synchronizedList(new ArrayList<>());
            Thread writer = new Thread(() -> {
                try (Connection c = DriverManager.getConnection(nodes.url());
                     PreparedStatement insert = c.prepareStatement(
                             "INSERT INTO BIG SELECT X, REPEAT('p', 200) FROM SYSTEM_RANGE(?, ?)")) {
                    for (long from = 1; !stop.get(); from += ROWS_PER_STATEMENT) {
                        insert.setLong(1, from);
                        insert.setLong(2, from + ROWS_PER_STATEMENT - 1);
                        try {
                            assertEquals(ROWS_PER_STATEMENT, insert.executeUpdate());
                            acknowledged.incrementAndGet();
                        } catch (SQLException e) {
                            failures.add(e);
                        }
                    }
                } catch (SQLException e) {
                    failures.add(e);
                }
            }, "auto-commit-writer");
            writer.start();
            try {
                for (int i = 0; i < TRANSFERS; i++) {
                    long before = acknowledged.get();
                    Eventually.await("the writer is acknowledged again", () -> acknowledged.get() > before);
                    long leader = nodes.awaitServing();
                    nodes.transferLeadership(leader % 3 + 1);
                }
                long last = acknowledged.get();
                Eventually.await("the writer is acknowledged after the last transfer", () -> acknowledged.get() > last);
            } finally {
                stop.set(true);
                writer.join();
            }
            for (SQLException f : failures) {
                f.printStackTrace();
            }
            assertTrue(failures.isEmpty(), failures.size() + " statements failed across " + TRANSFERS + " transfers; first: "
                    + (failures.isEmpty() ? "" : failures.get(0).getSQLState() + " " + failures.get(0).getMessage()));
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM BIG")) {
                rs.next();
                assertEquals(acknowledged.get() * ROWS_PER_STATEMENT, rs.getLong(1), "every acknowledged statement once");
            }
            System.out.printf("leader transfers under load: %d transfers, %d auto-commit statements of %d rows, "
                    + "0 failed%n", TRANSFERS, acknowledged.get(), ROWS_PER_STATEMENT);
        }
    }

}
