package io.flotilla.raft.log;

import static io.flotilla.raft.log.TestEntries.BOOTSTRAP;
import static io.flotilla.raft.log.TestEntries.all;
import static io.flotilla.raft.log.TestEntries.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.core.HardState;
import io.flotilla.raft.core.SnapshotMeta;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening a log after a crash: torn tails are cut, anything else damaged is refused. */
class RecoveryTest {

    private static final String GROUP = "g";

    @TempDir
    Path dir;

    private final SimulatedDisk disk = new SimulatedDisk();

    /** Writes that are durable, then writes caught mid-round: written, their fsync not yet done. */
    private CompletableFuture<Void> writeDurableThenUnsynced(GroupCommit writer) throws Exception {
        DurableLog log = DurableLog.open(disk.directory(GROUP), writer, BOOTSTRAP, LogOptions.defaults());
        log.append(new WriteBatch(null, range(1, 1, 10), new HardState(1, 1, 5))).join();
        CountDownLatch waiting = disk.holdForces();
        CompletableFuture<Void> unsynced = log.append(new WriteBatch(null, range(2, 8, 20), new HardState(2, 1, 9)));
        waiting.await();
        return unsynced;
    }

    private DurableLog reopen(GroupCommit writer) throws IOException {
        return DurableLog.open(disk.directory(GROUP), writer, BOOTSTRAP, LogOptions.defaults());
    }

    @Test
    void aCrashLosesWhatWasNotFsyncedAndNothingElse() throws Exception {
        GroupCommit before = GroupCommit.start("before-crash");
        CompletableFuture<Void> unsynced = writeDurableThenUnsynced(before);
        disk.crash(SimulatedDisk.CrashMode.LOSE_UNSYNCED, null);
        disk.releaseForces();
        before.close();
        assertTrue(unsynced.isCompletedExceptionally(), "an fsync after the crash must not acknowledge");
        try (GroupCommit writer = GroupCommit.start("after-crash"); DurableLog log = reopen(writer)) {
            assertEquals(new HardState(1, 1, 5), log.hardState());
            assertEquals(range(1, 1, 10), all(log));
        }
    }

    @Test
    void unsyncedWritesMaySurviveWhole() throws Exception {
        GroupCommit before = GroupCommit.start("before-crash");
        writeDurableThenUnsynced(before);
        disk.crash(SimulatedDisk.CrashMode.KEEP_UNSYNCED, null);
        disk.releaseForces();
        before.close();
        try (GroupCommit writer = GroupCommit.start("after-crash"); DurableLog log = reopen(writer)) {
            assertEquals(new HardState(2, 1, 9), log.hardState());
            assertEquals(20, log.lastIndex());
            assertEquals(2, log.term(8));
            assertEquals(1, log.term(7));
        }
    }

    @Test
    void aTornLastWriteIsCutWhereverItTore() throws Exception {
        // Every prefix length of the unsynced round: header torn, payload torn, whole records.
        for (int keep = 0; keep < 120; keep += 3) {
            SimulatedDisk fresh = new SimulatedDisk();
            GroupCommit before = GroupCommit.start("before-crash");
            DurableLog log = DurableLog.open(fresh.directory(GROUP), before, BOOTSTRAP, LogOptions.defaults());
            log.append(WriteBatch.entries(range(1, 1, 3))).join();
            CountDownLatch waiting = fresh.holdForces();
            log.append(new WriteBatch(null, range(2, 3, 5), new HardState(2, 2, 3)));
            waiting.await();
            fresh.crashKeeping(keep);
            fresh.releaseForces();
            before.close();
            try (GroupCommit writer = GroupCommit.start("after-crash");
                 DurableLog recovered = DurableLog.open(fresh.directory(GROUP), writer, BOOTSTRAP, LogOptions.defaults())) {
                long last = recovered.lastIndex();
                assertTrue(last >= 2 && last <= 5, "kept " + keep + ": last " + last);
                if (last >= 3 && recovered.term(3) == 1) {
                    assertEquals(3, last, "kept " + keep + ": the old tail, untouched");
                }
                assertEquals(last, all(recovered).size());
            }
        }
    }

    @Test
    void tornTailOnRealFilesIsCut() throws Exception {
        Path group = dir.resolve("real");
        try (GroupCommit writer = GroupCommit.start("w");
             DurableLog log = DurableLog.open(FileSystemDirectory.open(group), writer, BOOTSTRAP, LogOptions.defaults())) {
            log.append(WriteBatch.entries(range(1, 1, 5))).join();
        }
        Path last = lastSegment(group);
        long intact = Files.size(last);
        // A frame header announcing 100 bytes, of which only 3 made it.
        ByteBuffer torn = ByteBuffer.allocate(RecordFrame.HEADER_BYTES + 3).putInt(100).putInt(42).put((byte) 1);
        writeAt(last, intact, torn.array());
        try (GroupCommit writer = GroupCommit.start("w");
             DurableLog log = DurableLog.open(FileSystemDirectory.open(group), writer, BOOTSTRAP, LogOptions.defaults())) {
            assertEquals(range(1, 1, 5), all(log));
        }
        assertEquals(intact, Files.size(last), "the torn frame is cut off the file");
    }

    @Test
    void zerosAtTheTailAreCut() throws Exception {
        disk.appendDurably(GROUP, createLogWithEntries(), new byte[4096]);
        try (GroupCommit writer = GroupCommit.start("w"); DurableLog log = reopen(writer)) {
            assertEquals(range(1, 1, 5), all(log));
        }
    }

    @Test
    void aDamagedRecordFollowedByDataIsCorruption() throws Exception {
        String segment = createLogWithEntries();
        long size = disk.size(GROUP, segment);
        disk.flip(GROUP, segment, size - 30);
        disk.appendDurably(GROUP, segment, new byte[] {1, 2, 3});
        try (GroupCommit writer = GroupCommit.start("w")) {
            CorruptLogException e = assertThrows(CorruptLogException.class, () -> reopen(writer));
            assertTrue(e.file().endsWith(segment), e.getMessage());
        }
    }

    @Test
    void corruptionInTheMiddleOfTheLogFailsOpeningAndNamesFileAndOffset() throws Exception {
        Path group = dir.resolve("real");
        List<Long> offsets;
        try (GroupCommit writer = GroupCommit.start("w");
             DurableLog log = DurableLog.open(FileSystemDirectory.open(group), writer, BOOTSTRAP, new LogOptions(512, 0))) {
            for (long i = 1; i <= 60; i += 5) {
                log.append(WriteBatch.entries(range(1, i, i + 4))).join();
            }
        }
        Path first = firstSegment(group);
        offsets = recordOffsets(first);
        long victim = offsets.get(offsets.size() / 2);
        byte[] one = Files.readAllBytes(first);
        one[(int) victim + RecordFrame.HEADER_BYTES + 2] ^= 1;
        Files.write(first, one);
        try (GroupCommit writer = GroupCommit.start("w")) {
            CorruptLogException e = assertThrows(CorruptLogException.class,
                    () -> DurableLog.open(FileSystemDirectory.open(group), writer, BOOTSTRAP, LogOptions.defaults()));
            assertEquals(first.toString(), e.file());
            assertEquals(victim, e.offset());
            assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        }
    }

    @Test
    void damageAtTheEndOfAnOlderSegmentIsCorruptionNotATornTail() throws Exception {
        Path group = dir.resolve("real");
        try (GroupCommit writer = GroupCommit.start("w");
             DurableLog log = DurableLog.open(FileSystemDirectory.open(group), writer, BOOTSTRAP, new LogOptions(512, 0))) {
            for (long i = 1; i <= 60; i += 5) {
                log.append(WriteBatch.entries(range(1, i, i + 4))).join();
            }
        }
        Path first = firstSegment(group);
        writeAt(first, Files.size(first), new byte[] {0, 0, 0, 50});
        try (GroupCommit writer = GroupCommit.start("w")) {
            assertThrows(CorruptLogException.class,
                    () -> DurableLog.open(FileSystemDirectory.open(group), writer, BOOTSTRAP, LogOptions.defaults()));
        }
    }

    @Test
    void aSegmentWhoseDeletionACrashUndidIsDeletedAgain() throws Exception {
        Path group = dir.resolve("real");
        LogOptions small = new LogOptions(512, 0);
        byte[] oldest;
        try (GroupCommit writer = GroupCommit.start("w");
             DurableLog log = DurableLog.open(FileSystemDirectory.open(group), writer, BOOTSTRAP, small)) {
            for (long i = 1; i <= 60; i += 5) {
                log.append(WriteBatch.entries(range(1, i, i + 4))).join();
            }
            oldest = Files.readAllBytes(group.resolve(Segment.nameOf(1)));
            log.compact(new SnapshotMeta(50, 1, BOOTSTRAP.membership())).join();
        }
        assertTrue(Files.notExists(group.resolve(Segment.nameOf(2))), "compaction deleted the oldest segments");
        Files.write(group.resolve(Segment.nameOf(1)), oldest);
        try (GroupCommit writer = GroupCommit.start("w");
             DurableLog log = DurableLog.open(FileSystemDirectory.open(group), writer, BOOTSTRAP, small)) {
            assertEquals(50, log.snapshot().index());
            assertEquals(range(1, 51, 60), all(log));
        }
        assertTrue(Files.notExists(group.resolve(Segment.nameOf(1))));
    }

    @Test
    void aLogWhoseCreationWasCutShortStartsOver() throws Exception {
        LogDirectory directory = disk.directory(GROUP);
        directory.create(Segment.nameOf(1)).close();
        directory.sync();
        try (GroupCommit writer = GroupCommit.start("w"); DurableLog log = reopen(writer)) {
            assertEquals(BOOTSTRAP, log.snapshot());
            assertEquals(0, log.lastIndex());
        }
    }

    /** A log with entries 1..5, closed; returns the name of its last segment. */
    private String createLogWithEntries() throws Exception {
        try (GroupCommit writer = GroupCommit.start("w"); DurableLog log = reopen(writer)) {
            log.append(WriteBatch.entries(range(1, 1, 5))).join();
        }
        return disk.files(GROUP).stream().sorted().reduce((a, b) -> b).orElseThrow();
    }

    private static Path firstSegment(Path group) throws IOException {
        try (var files = Files.list(group)) {
            return files.sorted().findFirst().orElseThrow();
        }
    }

    private static Path lastSegment(Path group) throws IOException {
        try (var files = Files.list(group)) {
            return files.sorted().reduce((a, b) -> b).orElseThrow();
        }
    }

    private static List<Long> recordOffsets(Path segment) throws IOException {
        byte[] bytes = Files.readAllBytes(segment);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        List<Long> offsets = new ArrayList<>();
        for (int at = 0; at < bytes.length; at += RecordFrame.HEADER_BYTES + buffer.getInt(at)) {
            offsets.add((long) at);
        }
        return offsets;
    }

    private static void writeAt(Path file, long position, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes), position);
        }
    }
}
