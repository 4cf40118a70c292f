package io.flotilla.statemachine.range;

import io.flotilla.raft.embedded.EmbeddedCluster;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Concurrent transfers at every isolation level the leader's held transactions can run under. The
 * leader commits each one at apply time, in the client's own session: nothing the apply writes for
 * its bookkeeping may be refused by that session's snapshot or wait on another client's lock (a
 * SERIALIZABLE workload stopped the range here when the applied position was one updated row).
 */
class IsolationApplyTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int ACCOUNTS = 6;
    private static final long TOTAL = ACCOUNTS * 1_000L;

    @ParameterizedTest
    @ValueSource(ints = {Connection.TRANSACTION_READ_COMMITTED, Connection.TRANSACTION_REPEATABLE_READ,
            Connection.TRANSACTION_SERIALIZABLE})
    void concurrentTransfersNeverStopTheRange(int isolation) throws Exception {
        RangeReplica.Options options = RangeReplica.Options.defaults().withSessionExpiry(Duration.ofHours(1), 16);
        try (RangeCluster rc = new RangeCluster(EmbeddedCluster.Options.defaults(3), 1, options)) {
            RangeReplica leader = rc.replica(rc.awaitServing(WAIT));
            try (RangeSession s = leader.session(new byte[] {1})) {
                s.schemaChange("CREATE TABLE ACCOUNTS(ID INT PRIMARY KEY, BALANCE BIGINT)", 1).get(30, TimeUnit.SECONDS);
                s.run(c -> {
                    for (int i = 0; i < ACCOUNTS; i++) {
                        c.createStatement().executeUpdate("INSERT INTO ACCOUNTS VALUES (" + i + ", 1000)");
                    }
                    return null;
                });
                s.commit(2).get(30, TimeUnit.SECONDS);
            }
            AtomicLong committed = new AtomicLong();
            ExecutorService clients = Executors.newFixedThreadPool(6);
            List<Future<Long>> done = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                byte id = (byte) (10 + t);
                long seed = 31L * t + isolation;
                done.add(clients.submit(() -> transfers(leader, id, isolation, seed, 60, committed)));
            }
            long last = 0;
            for (Future<Long> f : done) {
                last = Math.max(last, f.get(2, TimeUnit.MINUTES));
            }
            clients.shutdown();
            assertTrue(committed.get() > 60, "too few transfers committed to mean anything: " + committed);
            Map<Long, String> digests = rc.digestsAt(last, WAIT);
            assertEquals(1, new HashSet<>(digests.values()).size(), "replicas differ: " + digests);
            try (RangeSession check = leader.session(new byte[] {2})) {
                long total = check.run(c -> {
                    try (ResultSet rs = c.createStatement().executeQuery("SELECT SUM(BALANCE) FROM ACCOUNTS")) {
                        rs.next();
                        return rs.getLong(1);
                    }
                });
                assertEquals(TOTAL, total, "money was created or lost");
            }
        }
    }

    /** Runs transfers until {@code wanted} committed; returns the highest index one applied at. */
    private static long transfers(RangeReplica leader, byte id, int isolation, long seed, int wanted,
                                  AtomicLong committed) throws Exception {
        Random random = new Random(seed);
        long last = 0;
        long sequence = 0;
        int mine = 0;
        int attempts = 0;
        try (RangeSession s = leader.session(new byte[] {id})) {
            s.setIsolation(isolation);
            while (mine < wanted) {
                if (++attempts > wanted * 50) {
                    throw new AssertionError("session " + id + " committed only " + mine + " transfers");
                }
                int from = random.nextInt(ACCOUNTS);
                int to = (from + 1 + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
                try {
                    s.run(c -> {
                        // READ COMMITTED loses updates to a plain read-then-write, as in H2 itself.
                        boolean lock = isolation == Connection.TRANSACTION_READ_COMMITTED;
                        long a = balance(c, from, lock);
                        long b = balance(c, to, lock);
                        set(c, from, a - 1);
                        set(c, to, b + 1);
                        return null;
                    });
                } catch (SQLException conflict) {
                    // H2's own write conflicts (40001, lock timeouts): the client rolls back and retries.
                    s.rollback();
                    continue;
                }
                Outcome outcome = s.commit(++sequence).get(30, TimeUnit.SECONDS);
                if (outcome instanceof Outcome.Applied applied) {
                    last = Math.max(last, applied.index());
                    mine++;
                    committed.incrementAndGet();
                } else {
                    throw new AssertionError("transfer refused: " + outcome);
                }
            }
        }
        return last;
    }

    private static long balance(Connection c, int account, boolean forUpdate) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT BALANCE FROM ACCOUNTS WHERE ID = ?"
                + (forUpdate ? " FOR UPDATE" : ""))) {
            q.setInt(1, account);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void set(Connection c, int account, long balance) throws SQLException {
        try (PreparedStatement u = c.prepareStatement("UPDATE ACCOUNTS SET BALANCE = ? WHERE ID = ?")) {
            u.setLong(1, balance);
            u.setInt(2, account);
            u.executeUpdate();
        }
    }
}
