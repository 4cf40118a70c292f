package io.flotilla.statemachine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers commit while an image is taken and while it is read; the installed image must equal
 * exactly the state at the applied index it claims. Entry i inserts LOG row i, sets KV row i % 97
 * to i and records applied index i, all in one transaction, so the state at index k is known.
 */
class ConcurrentSnapshotTest {

    private static final int KEYS = 97;
    private static final long TIMEOUT_SECONDS = 60;

    @TempDir
    Path dir;

    private final AtomicLong committed = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();

    @Test
    void imageEqualsTheStateAtItsAppliedIndexWhileWritersCommit() throws Exception {
        try (RangeStore source = RangeStore.open(dir.resolve("source"));
             RangeStore target = RangeStore.open(dir.resolve("target"))) {
            try (Connection c = source.connect()) {
                Contents.execute(c, "CREATE TABLE KV(K INT PRIMARY KEY, V BIGINT)",
                        "CREATE TABLE LOG(I BIGINT PRIMARY KEY, PAD VARCHAR)",
                        // Bulk makes the image long enough to be read over many calls.
                        "CREATE TABLE BULK(ID INT PRIMARY KEY, PAD VARCHAR)",
                        "INSERT INTO BULK SELECT X, REPEAT(CAST(X AS VARCHAR), 20) FROM SYSTEM_RANGE(1, 30000)");
            }
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(source));
            try {
                awaitCommitted(50, writer);
                long before = committed.get();
                AppliedPosition claimed;
                try (SnapshotImage image = source.snapshot()) {
                    long after = committed.get();
                    claimed = image.position();
                    // The writer counts a commit only after H2 has committed it: the image may hold
                    // one commit more than the counter said when it was read.
                    assertTrue(claimed.index() >= before && claimed.index() <= after + 1,
                            claimed + " outside [" + before + ", " + (after + 1) + "]");
                    // The image stays open while writers move on, then is read in pieces with more
                    // commits in between: writers are not blocked by an image being produced.
                    awaitCommitted(claimed.index() + 100, writer);
                    target.install(new Interleaved(image, writer));
                }
                assertTrue(source.appliedIndex() > claimed.index() + 100);
                assertEquals(claimed, target.appliedPosition());
                try (Connection t = target.connect()) {
                    Map<String, List<String>> rows = Contents.rows(t);
                    assertEquals(expectedLog(claimed.index()), rows.get("\"PUBLIC\".\"LOG\""));
                    assertEquals(expectedKv(claimed.index()), rows.get("\"PUBLIC\".\"KV\""));
                    assertEquals(30000, rows.get("\"PUBLIC\".\"BULK\"").size());
                }
            } finally {
                stop.set(true);
                writer.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    private void write(RangeStore store) {
        try (Connection c = store.connect();
             PreparedStatement log = c.prepareStatement("INSERT INTO LOG VALUES (?, REPEAT('x', 100))");
             PreparedStatement kv = c.prepareStatement("MERGE INTO KV KEY(K) VALUES (?, ?)")) {
            c.setAutoCommit(false);
            for (long i = 1; !stop.get(); i++) {
                log.setLong(1, i);
                log.executeUpdate();
                kv.setInt(1, (int) (i % KEYS));
                kv.setLong(2, i);
                kv.executeUpdate();
                AppliedTable.write(c, new AppliedPosition(i, 1));
                c.commit();
                committed.set(i);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("writer failed", e);
        }
    }

    private void awaitCommitted(long index, CompletableFuture<Void> writer) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (committed.get() < index) {
            if (writer.isDone()) {
                writer.join();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("writer did not reach " + index + ", stuck at " + committed.get());
            }
            Thread.onSpinWait();
        }
    }

    private static List<String> expectedLog(long index) {
        List<String> rows = new ArrayList<>();
        for (long i = 1; i <= index; i++) {
            rows.add(i + " | " + "x".repeat(100));
        }
        Collections.sort(rows);
        return rows;
    }

    private static List<String> expectedKv(long index) {
        Map<Integer, Long> latest = new TreeMap<>();
        for (long i = 1; i <= index; i++) {
            latest.put((int) (i % KEYS), i);
        }
        List<String> rows = new ArrayList<>();
        latest.forEach((k, v) -> rows.add(k + " | " + v));
        Collections.sort(rows);
        return rows;
    }

    /** Reads the image in small pieces, waiting for more commits between some of them. */
    private final class Interleaved implements ReadableByteChannel {
        private final ReadableByteChannel image;
        private final CompletableFuture<Void> writer;
        private int reads;

        Interleaved(ReadableByteChannel image, CompletableFuture<Void> writer) {
            this.image = image;
            this.writer = writer;
        }

        @Override
        public int read(ByteBuffer target) throws IOException {
            if (++reads % 16 == 0) {
                awaitCommitted(committed.get() + 5, writer);
            }
            ByteBuffer piece = target.slice();
            piece.limit(Math.min(piece.remaining(), 4096));
            int n = image.read(piece);
            if (n > 0) {
                target.position(target.position() + n);
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return image.isOpen();
        }

        @Override
        public void close() throws IOException {
            image.close();
        }
    }
}
