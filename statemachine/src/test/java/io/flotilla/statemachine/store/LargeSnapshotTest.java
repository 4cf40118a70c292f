package io.flotilla.statemachine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over a gigabyte of 1 KiB rows, imaged while a writer commits, installed elsewhere. Manual:
 * {@code mvn -pl statemachine test -Dtest=LargeSnapshotTest -Dflotilla.store.large=true}
 * ({@code -Dflotilla.store.large.rows=N} changes the row count). Prints its figures.
 */
@EnabledIfSystemProperty(named = "flotilla.store.large", matches = "true")
class LargeSnapshotTest {

    @TempDir
    Path dir;

    private final AtomicLong committed = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();

    @Test
    void gigabyteImageWhileWriting() throws Exception {
        long rows = Long.getLong("flotilla.store.large.rows", 1_100_000L);
        try (RangeStore source = RangeStore.open(dir.resolve("source"));
             RangeStore target = RangeStore.open(dir.resolve("target"))) {
            long start = System.nanoTime();
            fill(source, rows);
            source.checkpoint();
            report("filled %,d rows: database %,d bytes in %.1f s", rows, size(source.databaseDirectory()), seconds(start));

            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(source));
            Path imageFile = dir.resolve("image");
            AppliedPosition claimed;
            long writesBefore;
            try {
                while (committed.get() < 10) {
                    Thread.onSpinWait();
                }
                start = System.nanoTime();
                try (SnapshotImage image = source.snapshot();
                     FileChannel out = FileChannel.open(imageFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    report("snapshot() returned in %.3f s", seconds(start));
                    claimed = image.position();
                    writesBefore = committed.get();
                    out.transferFrom(image, 0, Long.MAX_VALUE);
                }
                long writesDuring = committed.get() - writesBefore;
                report("image of %,d bytes produced in %.1f s at %s; writer committed %,d transactions meanwhile",
                        Files.size(imageFile), seconds(start), claimed, writesDuring);
                assertTrue(writesDuring > 0, "writer was blocked while the image was produced");
            } finally {
                stop.set(true);
                writer.get(60, TimeUnit.SECONDS);
            }

            start = System.nanoTime();
            try (FileChannel in = FileChannel.open(imageFile, StandardOpenOption.READ)) {
                assertEquals(claimed, target.install(in));
            }
            report("installed in %.1f s: database %,d bytes", seconds(start), size(target.databaseDirectory()));

            start = System.nanoTime();
            try (Connection s = source.connect(); Connection t = target.connect()) {
                assertEquals(claimed, target.appliedPosition());
                assertEquals(digest(s, "BIG", Long.MAX_VALUE), digest(t, "BIG", Long.MAX_VALUE));
                assertEquals(digest(s, "W", claimed.index()), digest(t, "W", Long.MAX_VALUE));
                assertEquals(claimed.index(), Contents.count(t, "W"));
            }
            report("contents compared in %.1f s", seconds(start));
        }
    }

    private static void fill(RangeStore store, long rows) throws SQLException {
        try (Connection c = store.connect(); Statement statement = c.createStatement()) {
            statement.execute("CREATE TABLE BIG(ID BIGINT PRIMARY KEY, PAYLOAD VARCHAR(1024))");
            statement.execute("CREATE TABLE W(I BIGINT PRIMARY KEY, PAYLOAD VARCHAR(1024))");
            c.setAutoCommit(false);
            for (long from = 1; from <= rows; from += 50_000) {
                long to = Math.min(rows, from + 49_999);
                // 1,024 random hex digits: compresses about as well as ordinary text does.
                statement.execute("INSERT INTO BIG SELECT X, RAWTOHEX(SECURE_RAND(512)) FROM SYSTEM_RANGE(" + from + ", " + to + ")");
                c.commit();
            }
        }
    }

    private void write(RangeStore store) {
        try (Connection c = store.connect();
             PreparedStatement insert = c.prepareStatement("INSERT INTO W VALUES (?, RAWTOHEX(SECURE_RAND(512)))")) {
            c.setAutoCommit(false);
            for (long i = 1; !stop.get(); i++) {
                insert.setLong(1, i);
                insert.executeUpdate();
                AppliedTable.write(c, new AppliedPosition(i, 1));
                c.commit();
                committed.set(i);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("writer failed", e);
        }
    }

    private static String digest(Connection c, String table, long upTo) throws SQLException {
        CRC32C crc = new CRC32C();
        long count = 0;
        try (Statement statement = c.createStatement();
             ResultSet rows = statement.executeQuery("SELECT * FROM " + table + " WHERE 1 = 1 AND "
                     + (table.equals("W") ? "I" : "ID") + " <= " + upTo + " ORDER BY 1")) {
            while (rows.next()) {
                crc.update((rows.getLong(1) + ":" + rows.getString(2)).getBytes(StandardCharsets.UTF_8));
                count++;
            }
        }
        return count + " rows, crc " + Long.toHexString(crc.getValue());
    }

    private static long size(Path directory) throws java.io.IOException {
        try (var files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static void report(String format, Object... arguments) {
        System.out.printf("[LargeSnapshotTest] " + format + "%n", arguments);
    }
}
