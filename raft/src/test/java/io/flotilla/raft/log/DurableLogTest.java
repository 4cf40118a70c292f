package io.flotilla.raft.log;

import static io.flotilla.raft.log.TestEntries.BOOTSTRAP;
import static io.flotilla.raft.log.TestEntries.all;
import static io.flotilla.raft.log.TestEntries.entry;
import static io.flotilla.raft.log.TestEntries.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.HardState;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.SnapshotMeta;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log on real files: what goes in comes back out, before and after reopening. */
class DurableLogTest {

    @TempDir
    Path dir;

    private final GroupCommit writer = GroupCommit.start("log-test-writer");

    @AfterEach
    void closeWriter() {
        writer.close();
    }

    private DurableLog open(LogOptions options) throws IOException {
        return DurableLog.open(FileSystemDirectory.open(dir.resolve("group")), writer, BOOTSTRAP, options);
    }

    /** No cache at all, so every read goes to the segment files. */
    private static final LogOptions UNCACHED = new LogOptions(64 << 10, 0);

    @Test
    void newLogIsEmptyAtItsBootstrapSnapshot() throws IOException {
        try (DurableLog log = open(LogOptions.defaults())) {
            assertEquals(BOOTSTRAP, log.snapshot());
            assertEquals(HardState.EMPTY, log.hardState());
            assertEquals(1, log.firstIndex());
            assertEquals(0, log.lastIndex());
            assertEquals(0, log.term(0));
        }
    }

    @Test
    void entriesAndHardStateRoundTripThroughFiles() throws IOException {
        List<Entry> written = range(1, 1, 200);
        try (DurableLog log = open(UNCACHED)) {
            log.append(new WriteBatch(null, written, new HardState(1, 1, 150))).join();
            assertEquals(new HardState(1, 1, 150), log.hardState());
            assertEquals(200, log.lastIndex());
            assertEquals(1, log.term(200));
            assertEquals(written, all(log));
            assertEquals(written.subList(9, 20), log.entries(10, 21, Long.MAX_VALUE));
            assertEquals(1, log.entries(10, 21, 1).size(), "at least one entry, whatever maxBytes says");
        }
        try (DurableLog log = open(UNCACHED)) {
            assertEquals(new HardState(1, 1, 150), log.hardState());
            assertEquals(written, all(log));
        }
    }

    @Test
    void payloadBytesComeFromTheIndexBeforeAndAfterReopening() throws IOException {
        List<Entry> written = range(1, 1, 100);
        long expected = 0;
        for (Entry e : written.subList(9, 50)) {
            expected += e.payload().size();
        }
        try (DurableLog log = open(UNCACHED)) {
            log.append(new WriteBatch(null, written, new HardState(1, 1, 100))).join();
            assertEquals(expected, log.payloadBytes(10, 51));
            assertEquals(0, log.payloadBytes(101, 101));
        }
        try (DurableLog log = open(UNCACHED)) {
            assertEquals(expected, log.payloadBytes(10, 51), "recovery rebuilt the sizes");
            log.compact(new SnapshotMeta(20, 1, BOOTSTRAP.membership())).join();
            assertThrows(IllegalArgumentException.class, () -> log.payloadBytes(10, 51), "compacted away");
            long held = 0;
            for (Entry e : written.subList(20, 50)) {
                held += e.payload().size();
            }
            assertEquals(held, log.payloadBytes(21, 51));
        }
    }

    @Test
    void cachedAndUncachedReadsAgree() throws IOException {
        List<Entry> written = range(3, 1, 300);
        try (DurableLog log = open(new LogOptions(4 << 10, 2 << 10))) {
            for (int i = 0; i < written.size(); i += 7) {
                log.append(WriteBatch.entries(written.subList(i, Math.min(i + 7, written.size())))).join();
            }
            assertEquals(written, all(log));
        }
    }

    @Test
    void anOverlappingAppendReplacesTheTail() throws IOException {
        try (DurableLog log = open(UNCACHED)) {
            log.append(WriteBatch.entries(range(1, 1, 10))).join();
            log.append(WriteBatch.entries(range(2, 6, 8))).join();
            assertEquals(8, log.lastIndex());
            assertEquals(1, log.term(5));
            assertEquals(2, log.term(6));
            List<Entry> expected = new ArrayList<>(range(1, 1, 5));
            expected.addAll(range(2, 6, 8));
            assertEquals(expected, all(log));
            log.append(WriteBatch.entries(range(2, 9, 9))).join();
            expected.add(entry(2, 9));
            assertEquals(expected, all(log));
        }
        try (DurableLog log = open(UNCACHED)) {
            List<Entry> expected = new ArrayList<>(range(1, 1, 5));
            expected.addAll(range(2, 6, 9));
            assertEquals(expected, all(log));
        }
    }

    @Test
    void aGapIsRejectedAndWritesNothing() throws IOException {
        try (DurableLog log = open(LogOptions.defaults())) {
            log.append(WriteBatch.entries(range(1, 1, 3))).join();
            CompletionException e = assertThrows(CompletionException.class,
                    () -> log.append(WriteBatch.entries(range(1, 5, 6))).join());
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
            assertEquals(3, log.lastIndex());
            log.append(WriteBatch.entries(range(1, 4, 4))).join();
            assertEquals(4, log.lastIndex());
        }
    }

    @Test
    void compactionDeletesWholeSegmentsBelowIt() throws IOException {
        LogOptions small = new LogOptions(1024, 0);
        try (DurableLog log = open(small)) {
            for (long i = 1; i <= 400; i += 5) {
                log.append(WriteBatch.entries(range(1, i, i + 4))).join();
            }
            int before = segmentCount();
            assertTrue(before >= 10, "small segments: " + before);
            log.compact(new SnapshotMeta(300, 1, BOOTSTRAP.membership())).join();
            assertEquals(301, log.firstIndex());
            assertEquals(1, log.term(300));
            assertEquals(range(1, 301, 400), all(log));
            int after = segmentCount();
            assertTrue(after < before / 2, "segments " + before + " -> " + after);
            assertThrows(IllegalArgumentException.class, () -> log.entries(300, 302, Long.MAX_VALUE));
        }
        try (DurableLog log = open(small)) {
            assertEquals(300, log.snapshot().index());
            assertEquals(range(1, 301, 400), all(log));
        }
    }

    @Test
    void compactingToAnEntryTheLogDoesNotHoldIsRefused() throws IOException {
        try (DurableLog log = open(LogOptions.defaults())) {
            log.append(WriteBatch.entries(range(2, 1, 5))).join();
            assertThrows(IllegalArgumentException.class,
                    () -> log.compact(new SnapshotMeta(6, 2, Membership.EMPTY)));
            assertThrows(IllegalArgumentException.class,
                    () -> log.compact(new SnapshotMeta(4, 1, Membership.EMPTY)), "wrong term");
        }
    }

    @Test
    void aSnapshotInstallDiscardsTheLog() throws IOException {
        SnapshotMeta installed = new SnapshotMeta(50, 3, Membership.of(Set.of(1L, 2L), Set.of()));
        LogOptions small = new LogOptions(512, 1 << 20);
        try (DurableLog log = open(small)) {
            for (long i = 1; i <= 60; i += 5) {
                log.append(WriteBatch.entries(range(1, i, i + 4))).join();
            }
            int before = segmentCount();
            assertTrue(before > 2, "small segments: " + before);
            log.append(new WriteBatch(installed, range(3, 51, 52), new HardState(3, 2, 50))).join();
            assertEquals(installed, log.snapshot());
            assertEquals(51, log.firstIndex());
            assertEquals(52, log.lastIndex());
            assertEquals(3, log.term(50));
            assertTrue(segmentCount() < before, "segments before the install are deleted");
        }
        try (DurableLog log = open(small)) {
            assertEquals(installed, log.snapshot());
            assertEquals(new HardState(3, 2, 50), log.hardState());
            assertEquals(range(3, 51, 52), all(log));
        }
    }

    @Test
    void reopeningTwiceChangesNothing() throws IOException {
        try (DurableLog log = open(LogOptions.defaults())) {
            log.append(new WriteBatch(null, range(1, 1, 20), new HardState(1, 1, 10))).join();
            log.compact(new SnapshotMeta(5, 1, BOOTSTRAP.membership())).join();
        }
        for (int i = 0; i < 2; i++) {
            try (DurableLog log = open(LogOptions.defaults())) {
                assertEquals(5, log.snapshot().index());
                assertEquals(new HardState(1, 1, 10), log.hardState());
                assertEquals(range(1, 6, 20), all(log));
            }
        }
    }

    @Test
    void anEntryDamagedAfterOpeningIsNeverServed() throws IOException {
        try (DurableLog log = open(UNCACHED)) {
            log.append(WriteBatch.entries(range(1, 1, 3))).join();
            Path segment;
            try (var files = Files.list(dir.resolve("group"))) {
                segment = files.sorted().reduce((a, b) -> b).orElseThrow();
            }
            byte[] bytes = Files.readAllBytes(segment);
            bytes[bytes.length - 2] ^= 1;
            Files.write(segment, bytes);
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> log.entries(3, 4, Long.MAX_VALUE));
            assertInstanceOf(CorruptLogException.class, e.getCause());
            assertEquals(range(1, 1, 2), log.entries(1, 3, Long.MAX_VALUE));
        }
    }

    @Test
    void writesAfterCloseFail() throws IOException {
        DurableLog log = open(LogOptions.defaults());
        log.close();
        CompletionException e = assertThrows(CompletionException.class,
                () -> log.append(WriteBatch.entries(range(1, 1, 1))).join());
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    private int segmentCount() throws IOException {
        return Recovery.segmentSequences(FileSystemDirectory.open(dir.resolve("group"))).size();
    }
}
