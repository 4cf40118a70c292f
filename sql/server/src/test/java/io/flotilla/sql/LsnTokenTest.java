package io.flotilla.sql;

import io.flotilla.jdbc.FlotillaConnection;
import io.flotilla.sql.node.Node;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The causal-consistency recipe across two JVMs: a session writes and reads its LSN token; another
 * process reads on a follower that has not applied the write yet. With {@code consistency=stale}
 * it misses the write; with {@code consistency=lsn:<token>} it sees it, the follower waiting for
 * the write (or, past the wait, the leader answering).
 */
class LsnTokenTest {

    private static final long RESUME_AFTER_MILLIS = 3_000;

    @Test
    void aTokenHandedToAnotherProcessMakesItsFollowerReadsSeeTheWrite() throws Exception {
        try (LocalNodes nodes = new LocalNodes(3); Connection writer = DriverManager.getConnection(nodes.url());
             Statement s = writer.createStatement()) {
            s.execute("CREATE TABLE NOTES(ID INT PRIMARY KEY, TEXT VARCHAR(20))");
            s.executeUpdate("INSERT INTO NOTES VALUES (1, 'first')");
            long leader = nodes.awaitServing();
            long follower = leader == 1 ? 2 : 1;
            Node lagging = nodes.node(follower);
            long firstIndex = writer.unwrap(FlotillaConnection.class).getHighestLsn(Node.DATA_RANGE);
            Eventually.await("node " + follower + " applied the first row", () ->
                    lagging.replica(Node.DATA_RANGE).applied() >= firstIndex);

            lagging.host().pause();   // it stops applying; its client port still answers
            try {
                s.executeUpdate("INSERT INTO NOTES VALUES (2, 'second')");
                String token = writer.getClientInfo(FlotillaConnection.LSN_CLIENT_INFO);
                assertNotNull(token, "a session that wrote has an LSN token");
                assertEquals(token, writer.unwrap(FlotillaConnection.class).getLsnToken());

                String followerUrl = nodes.url(follower);
                assertEquals(1, read(followerUrl, "stale", 0), "the paused follower has not applied the second row");
                // Past a short wait the read goes to the leader, which has the row.
                assertEquals(2, read(followerUrl, "lsn:" + token, 200));
                // With a long wait the follower serves it once it has applied the row: resumed after
                // the reader's JVM has started and asked (a read sent to the leader would be back sooner).
                ScheduledExecutorService resumer = Executors.newSingleThreadScheduledExecutor();
                try {
                    long started = System.nanoTime();
                    resumer.schedule(() -> lagging.host().resume(), RESUME_AFTER_MILLIS, TimeUnit.MILLISECONDS);
                    assertEquals(2, read(followerUrl, "lsn:" + token, 10_000));
                    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) >= RESUME_AFTER_MILLIS,
                            "the read waited for the follower rather than going to the leader");
                } finally {
                    resumer.shutdown();
                }
            } finally {
                lagging.host().resume();
            }
        }
    }

    /** Runs {@link LsnReader} in a JVM of its own and returns the count it printed. */
    private static long read(String url, String consistency, int lsnWaitMillis) throws IOException, InterruptedException,
            SQLException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                LsnReader.class.getName(), url, consistency, Integer.toString(lsnWaitMillis)))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new SQLException("the reader process failed: " + output);
        }
        String line = output.lines().filter(l -> l.startsWith("rows=")).findFirst()
                .orElseThrow(() -> new SQLException("the reader printed no count: " + output));
        return Long.parseLong(line.substring("rows=".length()));
    }
}
