package io.flotilla.sql;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.Admin;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.protocol.wire.NodeConnection;
import io.flotilla.sql.node.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18's measure of leader changes that clients must not see: 50 leadership transfers, then 20
 * kill -9 of the leader's process (each restarted), while clients run auto-commit inserts through
 * the driver, on three node processes. Target: no client-visible error, every acknowledged insert
 * there exactly once. Prints the errors by SQLState and the longest wait for an insert.
 *
 * <p>In the {@code nemesis} profile, not the default build (about five minutes):
 * {@code mvn -B -ntp -pl sql/server -am verify -Pnemesis -Dtest=LeaderChangesNemesis -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class LeaderChangesNemesis {

    private static final int TRANSFERS = Integer.getInteger("flotilla.leaderChanges.transfers", 50);
    private static final int KILLS = Integer.getInteger("flotilla.leaderChanges.kills", 20);
    private static final int WRITERS = 4;

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void autoCommitClientsSeeNoLeaderChange() throws Exception {
        try (LocalNodes nodes = LocalNodes.processes(3)) {
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE EVENTS(ID BIGINT PRIMARY KEY, WRITER INT NOT NULL, PAD VARCHAR(100))");
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong acknowledged = new AtomicLong();
            AtomicLong longestNanos = new AtomicLong();
            Set<Long> acknowledgedIds = ConcurrentHashMap.newKeySet();
            List<SQLException> errors = Collections.synchronizedList(new ArrayList<>());
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                Thread t = new Thread(() -> write(nodes.url(), writer, stop, acknowledged, acknowledgedIds, longestNanos, errors),
                        "writer-" + w);
                t.start();
                writers.add(t);
            }
            try (Connection watch = DriverManager.getConnection(nodes.url())) {
                for (int i = 0; i < TRANSFERS; i++) {
                    awaitProgress(acknowledged);
                    long leader = leader(watch);
                    long to = leader % 3 + 1;
                    transfer(nodes, to, watch);
                }
                for (int i = 0; i < KILLS; i++) {
                    awaitProgress(acknowledged);
                    long leader = leader(watch);
                    nodes.kill(leader);
                    awaitProgress(acknowledged);
                    nodes.start(leader);
                }
                awaitProgress(acknowledged);
            } finally {
                stop.set(true);
                for (Thread t : writers) {
                    t.join();
                }
            }
            Map<String, Integer> byState = new TreeMap<>();
            for (SQLException e : errors) {
                byState.merge(e.getSQLState() + " " + e.getMessage().lines().findFirst().orElse(""), 1, Integer::sum);
            }
            System.out.printf("leader changes: %d transfers and %d kill -9 of the leader under %d auto-commit writers: "
                            + "%d inserts acknowledged, %d client-visible errors %s, longest insert %d ms%n",
                    TRANSFERS, KILLS, WRITERS, acknowledged.get(), errors.size(), byState,
                    TimeUnit.NANOSECONDS.toMillis(longestNanos.get()));
            try (Connection c = DriverManager.getConnection(nodes.url()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT ID FROM EVENTS")) {
                Set<Long> present = new HashSet<>();
                while (rs.next()) {
                    present.add(rs.getLong(1));
                }
                assertTrue(present.containsAll(acknowledgedIds), "an acknowledged insert is missing");
            }
            assertEquals(0, errors.size(), "client-visible errors: " + byState);
        }
    }

    private static void write(String url, int writer, AtomicBoolean stop, AtomicLong acknowledged, Set<Long> ids,
                              AtomicLong longestNanos, List<SQLException> errors) {
        try (Connection c = DriverManager.getConnection(url + "?failoverTimeout=30000");
             PreparedStatement insert = c.prepareStatement("INSERT INTO EVENTS VALUES (?, ?, REPEAT('p', 100))")) {
            for (long n = 0; !stop.get(); n++) {
                long id = n * WRITERS + writer;
                insert.setLong(1, id);
                insert.setInt(2, writer);
                long start = System.nanoTime();
                try {
                    assertEquals(1, insert.executeUpdate());
                    ids.add(id);
                    acknowledged.incrementAndGet();
                    longestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                } catch (SQLException e) {
                    errors.add(e);
                }
            }
        } catch (SQLException e) {
            errors.add(e);
        }
    }

    private static void awaitProgress(AtomicLong acknowledged) throws Exception {
        long before = acknowledged.get();
        Eventually.await("inserts acknowledged again", () -> acknowledged.get() > before + 10);
    }

    private static long leader(Connection c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT LEADER_ID FROM FLOTILLA.RANGES WHERE RANGE_ID = " + Node.DATA_RANGE)) {
                if (rs.next() && rs.getLong(1) != 0) {
                    return rs.getLong(1);
                }
            }
            assertTrue(System.nanoTime() < deadline, "range 2 has no leader");
            Thread.sleep(50);
        }
    }

    /** Asks the range's leader, through any node, to hand its leadership to {@code to}, until it has. */
    private static void transfer(LocalNodes nodes, long to, Connection watch) throws Exception {
        Eventually.await("node " + to + " leads range 2", () -> {
            if (leader(watch) == to) {
                return true;
            }
            String url = nodes.url(to);
            int port = Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
            Hello hello = Hello.newBuilder().setSessionId(ByteString.copyFromUtf8("leader-changes-admin")).build();
            try (NodeConnection admin = NodeConnection.open(new HostAddress("127.0.0.1", port), hello, 2_000, 10_000, 0)) {
                // Refused while a transfer or an election is under way: asked again until it has moved.
                admin.call(Request.newBuilder().setAdmin(Admin.newBuilder().setRange(Node.DATA_RANGE)
                        .setTransferLeadershipTo(to)));
                return false;
            }
        });
    }
}
