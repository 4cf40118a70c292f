package io.flotilla.statemachine.range;

import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.embedded.EmbeddedCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A new learner joins a range that holds a lot of rows: it installs the leader's snapshot while a
 * client keeps writing, catches up, is promoted, and ends with the same rows as every other replica.
 *
 * <p>Rows are loaded through the leader by several clients in transactions of about 1 MiB, with
 * random (incompressible) payloads; then every replica compacts its log, so the learner can only
 * start from a snapshot. Figures are printed.
 *
 * <p>By default about 20 MiB of rows (a few seconds). The gigabyte run is opt-in:
 * {@code mvn -pl statemachine test -Dtest=LearnerCatchUpTest -Dflotilla.range.large=true}.
 * {@code -Dflotilla.range.bytes=N} sets the bytes of rows to load (either run),
 * {@code -Dflotilla.range.rowBytes=N} the payload per row, {@code -Dflotilla.range.clients=N}
 * the loading clients.
 */
class LearnerCatchUpTest {

    private static final long RANGE = 1;
    private static final int TRANSACTION_BYTES = 1 << 20;
    /** Rows the writer adds during the catch-up have ids from here up, far above the loaded ones. */
    private static final long WRITER_IDS = 1L << 40;

    @Test
    @DisabledIfSystemProperty(named = "flotilla.range.large", matches = "true")
    void aLearnerCatchesUpFromASnapshotWhileWritesContinue() throws Exception {
        run(Long.getLong("flotilla.range.bytes", 20L << 20));
    }

    @Test
    @EnabledIfSystemProperty(named = "flotilla.range.large", matches = "true")
    void aLearnerCatchesUpFromAGigabyteSnapshotWhileWritesContinue() throws Exception {
        run(Long.getLong("flotilla.range.bytes", 1L << 30));
    }

    private void run(long targetBytes) throws Exception {
        int payloadBytes = Integer.getInteger("flotilla.range.rowBytes", 4000);
        int clients = Integer.getInteger("flotilla.range.clients", 3);
        int rowsPerTransaction = Math.max(1, TRANSACTION_BYTES / (payloadBytes + Long.BYTES));
        long transactions = Math.max(1, (targetBytes + (long) rowsPerTransaction * (payloadBytes + Long.BYTES) - 1)
                / ((long) rowsPerTransaction * (payloadBytes + Long.BYTES)));
        long loadedRows = transactions * rowsPerTransaction;
        // Generous, scaled with the size: a minute plus a second per MiB.
        Duration wait = Duration.ofSeconds(60 + (targetBytes >> 20));

        try (RangeCluster rc = new RangeCluster(EmbeddedCluster.Options.defaults(3), RANGE, RangeReplica.Options.defaults())) {
            Map<String, AtomicLong> retryCauses = new java.util.concurrent.ConcurrentSkipListMap<>();
            Client admin = new Client(rc, new byte[] {0}, wait, retryCauses);
            assertInstanceOf(Outcome.Applied.class, admin.schemaChange(
                    "CREATE TABLE ITEM(ID BIGINT PRIMARY KEY, PAYLOAD VARBINARY(" + Math.max(payloadBytes, 256) + "))"));
            admin.close();

            // ---- load
            long start = System.nanoTime();
            AtomicLong nextTransaction = new AtomicLong();
            AtomicLong bytesLoaded = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<?>> loaders = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    byte[] id = {1, (byte) i};
                    loaders.add(pool.submit(() -> {
                        try (Client client = new Client(rc, id, wait, retryCauses)) {
                            for (long t; (t = nextTransaction.getAndIncrement()) < transactions; ) {
                                long first = t * rowsPerTransaction;
                                long seed = t;
                                client.write((c, idempotent) -> {
                                    try (PreparedStatement insert = c.prepareStatement(idempotent
                                            ? "MERGE INTO ITEM KEY(ID) VALUES (?, ?)" : "INSERT INTO ITEM VALUES (?, ?)")) {
                                        // The same transaction number gives the same rows on every attempt.
                                        SplittableRandom rows = new SplittableRandom(seed);
                                        byte[] payload = new byte[payloadBytes];
                                        for (int r = 0; r < rowsPerTransaction; r++) {
                                            rows.nextBytes(payload);
                                            insert.setLong(1, first + r);
                                            insert.setBytes(2, payload);
                                            insert.addBatch();
                                        }
                                        insert.executeBatch();
                                    }
                                });
                                bytesLoaded.addAndGet((long) rowsPerTransaction * (payloadBytes + Long.BYTES));
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> loader : loaders) {
                    while (true) {
                        try {
                            loader.get(10, TimeUnit.SECONDS);
                            break;
                        } catch (TimeoutException stillLoading) {
                            report("... loaded %,d bytes in %.0f s", bytesLoaded.get(), seconds(start));
                        }
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            double loadSeconds = seconds(start);
            long leader = rc.awaitServing(wait);
            report("loaded %,d bytes of rows (%,d rows of %,d-byte payload, %,d transactions of ~%,d bytes, %d clients, "
                            + "retries %s) in %.1f s: %.1f MiB/s; leader node %d at applied index %,d, database %,d bytes",
                    bytesLoaded.get(), loadedRows, payloadBytes, transactions, (long) rowsPerTransaction * (payloadBytes + 8),
                    clients, retryCauses, loadSeconds, bytesLoaded.get() / loadSeconds / (1 << 20), leader,
                    rc.replica(leader).applied(), size(rc.replica(leader).store().databaseDirectory()));
            assertTrue(bytesLoaded.get() >= targetBytes);

            // ---- every replica drops its log: a new replica can only start from a snapshot
            start = System.nanoTime();
            long compactedAt = Long.MAX_VALUE;
            StringBuilder compactions = new StringBuilder();
            for (long node : rc.nodes()) {
                long compactStart = System.nanoTime();
                SnapshotMeta meta = rc.cluster.compact(RANGE, node);
                compactedAt = Math.min(compactedAt, meta.index());
                compactions.append(String.format(" node %d: %.1f s to index %,d;", node, seconds(compactStart), meta.index()));
            }
            report("compacted the log of every replica in %.1f s:%s", seconds(start), compactions);

            // ---- a learner joins while a writer keeps committing
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong written = new AtomicLong();
            ExecutorService writerThread = Executors.newSingleThreadExecutor();
            long learner;
            try {
                Future<Long> writer = writerThread.submit(() -> {
                    try (Client client = new Client(rc, new byte[] {2}, wait, retryCauses)) {
                        SplittableRandom random = new SplittableRandom(42);
                        for (long n = 0; !stop.get(); n++) {
                            long id = WRITER_IDS + n;
                            long updated = random.nextLong(loadedRows);
                            byte[] small = new byte[100];
                            byte[] replacement = new byte[64];
                            random.nextBytes(small);
                            random.nextBytes(replacement);
                            client.write((c, idempotent) -> {
                                try (PreparedStatement insert = c.prepareStatement(idempotent
                                        ? "MERGE INTO ITEM KEY(ID) VALUES (?, ?)" : "INSERT INTO ITEM VALUES (?, ?)");
                                     PreparedStatement update = c.prepareStatement("UPDATE ITEM SET PAYLOAD = ? WHERE ID = ?")) {
                                    insert.setLong(1, id);
                                    insert.setBytes(2, small);
                                    insert.executeUpdate();
                                    update.setBytes(1, replacement);
                                    update.setLong(2, updated);
                                    assertEquals(1, update.executeUpdate());
                                }
                            });
                            written.incrementAndGet();
                        }
                        return client.retries;
                    }
                });
                awaitUntil(() -> written.get() >= 10 ? 1 : 0, 1, wait, "the writer to commit", writer);

                start = System.nanoTime();
                long writtenBefore = written.get();
                learner = rc.addLearner(wait);
                long mark = rc.replica(rc.awaitServing(wait)).applied();
                report("node %d added as a learner in %.1f s; the leader had applied %,d", learner, seconds(start), mark);
                RangeReplica learnerReplica = rc.replica(learner);
                awaitUntil(learnerReplica::applied, mark, wait, "learner node " + learner + " to catch up", writer);
                double catchUpSeconds = seconds(start);
                long writtenDuring = written.get() - writtenBefore;
                long learnerFirst = rc.cluster.host(learner).inspect(RANGE, Raft::firstIndex).get(10, TimeUnit.SECONDS);
                report("learner caught up in %.1f s: applied %,d (snapshot at %,d), database %,d bytes; "
                                + "the writer committed %,d transactions meanwhile",
                        catchUpSeconds, learnerReplica.applied(), learnerFirst - 1,
                        size(learnerReplica.store().databaseDirectory()), writtenDuring);
                assertTrue(learnerFirst - 1 >= compactedAt,
                        "the learner's log starts at " + learnerFirst + ": it did not start from a snapshot");
                assertTrue(writtenDuring > 0, "no write committed while the learner caught up");

                // ---- promotion, writes still running
                start = System.nanoTime();
                rc.cluster.promote(RANGE, learner, wait);
                long promoted = learner;
                awaitUntil(() -> {
                    Membership m = membership(rc, wait);
                    return m.isVoter(promoted) && !m.joint() ? 1 : 0;
                }, 1, wait, "node " + learner + " to become a voter", writer);
                report("learner node %d promoted to voter in %.1f s", learner, seconds(start));
                long writtenAfter = written.get();
                awaitUntil(written::get, writtenAfter + 10, wait, "the writer to commit after the promotion", writer);

                stop.set(true);
                long writerRetries = writer.get(wait.toSeconds(), TimeUnit.SECONDS);
                report("writer stopped after %,d transactions (%,d retries); retries of all clients by cause: %s",
                        written.get(), writerRetries, retryCauses);
            } finally {
                stop.set(true);
                writerThread.shutdownNow();
            }

            // ---- every replica, the new voter included, holds the same rows
            start = System.nanoTime();
            long last = rc.replica(rc.awaitServing(wait)).applied();
            Map<Long, String> digests = rc.digestsAt(last, wait);
            boolean equal = new HashSet<>(digests.values()).size() == 1;
            report("learner node %d applied index %,d; digests at %,d (%.1f s): %s; equal: %s",
                    learner, rc.replica(learner).applied(), last, seconds(start), digests, equal);
            assertEquals(4, digests.size(), "digests of " + digests.keySet());
            assertTrue(digests.containsKey(learner));
            assertTrue(equal, "replicas differ: " + digests);
        }
    }

    /** The range's membership as its leader has it. */
    private static Membership membership(RangeCluster rc, Duration wait) throws Exception {
        long leader = rc.cluster.awaitLeader(RANGE, wait);
        return rc.cluster.host(leader).inspect(RANGE, Raft::membership).get(10, TimeUnit.SECONDS);
    }

    /** Polls until {@code value} reaches {@code target}; fails early if {@code background} failed. */
    private static void awaitUntil(Probe value, long target, Duration timeout, String what, Future<?> background)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long reported = System.nanoTime();
        while (value.getAsLong() < target) {
            if (background.isDone()) {
                background.get();
                throw new AssertionError("the writer stopped while waiting for " + what);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + ": at "
                        + value.getAsLong() + " of " + target);
            }
            if (System.nanoTime() - reported > TimeUnit.SECONDS.toNanos(10)) {
                reported = System.nanoTime();
                report("... waiting for %s: at %,d of %,d", what, value.getAsLong(), target);
            }
            Thread.sleep(20);
        }
    }

    @FunctionalInterface
    private interface Probe {
        long getAsLong() throws Exception;
    }

    /** A write; with {@code idempotent} it must give the same result if its rows are already there. */
    @FunctionalInterface
    private interface Write {
        void run(Connection c, boolean idempotent) throws SQLException;
    }

    /**
     * A client with its own session id, numbering its writes 1, 2, 3, ...; follows the leader and
     * retries a write until it learns its outcome: with the same number after any failure (a retry
     * is exactly-once), with the next one after the range refused the write as a whole.
     */
    private static final class Client implements AutoCloseable {
        private static final String QUERY_CANCELED = "57014";
        /** Retries by cause (SQLState), over every client of the run. */
        private final Map<String, AtomicLong> retryCauses;
        private final RangeCluster rc;
        private final byte[] id;
        private final Duration wait;
        private long node;
        private RangeSession session;
        private long sequence;
        long retries;

        Client(RangeCluster rc, byte[] id, Duration wait, Map<String, AtomicLong> retryCauses) {
            this.rc = rc;
            this.retryCauses = retryCauses;
            this.id = id;
            this.wait = wait;
        }

        Outcome schemaChange(String ddl) throws Exception {
            connect();
            return session.schemaChange(ddl, ++sequence).get(wait.toSeconds(), TimeUnit.SECONDS);
        }

        Outcome.Applied write(Write write) throws Exception {
            long seq = ++sequence;
            long deadline = System.nanoTime() + wait.toNanos();
            Exception last = null;
            for (int attempt = 0; ; attempt++) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("write " + seq + " of session " + java.util.Arrays.toString(id)
                            + " did not get through within " + wait + " (" + attempt + " attempts)", last);
                }
                if (attempt > 0) {
                    retries++;
                }
                boolean idempotent = attempt > 0;
                try {
                    connect();
                    session.run(c -> {
                        write.run(c, idempotent);
                        return null;
                    });
                    Outcome outcome = session.commit(seq).get(wait.toSeconds(), TimeUnit.SECONDS);
                    if (outcome instanceof Outcome.Applied applied) {
                        return applied;
                    }
                    Outcome.Refused refused = (Outcome.Refused) outcome;
                    if (!SqlStates.ROLLED_BACK.equals(refused.sqlState())) {
                        throw new AssertionError("write " + seq + " refused: " + refused);
                    }
                    // Refused as a whole, and recorded under its number: retried as the next write.
                    last = refused.toException();
                    retryCauses.computeIfAbsent("refused " + refused.sqlState(), k -> new AtomicLong()).incrementAndGet();
                    seq = ++sequence;
                } catch (SQLException | ExecutionException e) {
                    SQLException failure = sqlCause(e);
                    if (session != null) {
                        session.rollback();
                    }
                    if (failure == null || !retryable(failure.getSQLState())) {
                        throw e;
                    }
                    last = failure;
                    retryCauses.computeIfAbsent(failure.getSQLState(), k -> new AtomicLong()).incrementAndGet();
                    rc.awaitServing(wait);
                } catch (TimeoutException e) {
                    throw new AssertionError("commit " + seq + " did not complete within " + wait, e);
                }
            }
        }

        private static boolean retryable(String state) {
            return SqlStates.NOT_LEADER.equals(state) || SqlStates.ROLLED_BACK.equals(state)
                    || SqlStates.OUTCOME_UNKNOWN.equals(state) || SqlStates.UNAVAILABLE.equals(state)
                    // H2's "statement canceled": the range rolled the transaction back (leadership lost)
                    // while a statement ran in it; HeldTransaction cancels that statement, which then
                    // fails with H2's state instead of ROLLED_BACK. Same meaning for the client.
                    || QUERY_CANCELED.equals(state);
        }

        private static SQLException sqlCause(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SQLException s) {
                    return s;
                }
            }
            return null;
        }

        /** Opens a session on the serving leader, unless the one open is there already. */
        private void connect() throws Exception {
            long leader = rc.awaitServing(wait);
            if (session != null && leader == node) {
                return;
            }
            closeSession();
            session = rc.replica(leader).session(id);
            node = leader;
        }

        private void closeSession() {
            if (session != null) {
                try {
                    session.close();
                } catch (SQLException ignored) {
                    // its replica may have gone; nothing to release then
                }
                session = null;
            }
        }

        @Override
        public void close() {
            closeSession();
        }
    }

    private static long size(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static void report(String format, Object... args) {
        System.out.printf("[LearnerCatchUpTest] " + format + "%n", args);
        System.out.flush();
    }
}
