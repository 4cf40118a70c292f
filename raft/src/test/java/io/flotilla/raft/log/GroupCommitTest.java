package io.flotilla.raft.log;

import static io.flotilla.raft.log.TestEntries.BOOTSTRAP;
import static io.flotilla.raft.log.TestEntries.all;
import static io.flotilla.raft.log.TestEntries.entry;
import static io.flotilla.raft.log.TestEntries.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.core.HardState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared writer: one fsync per file per round, for every group on the node; a failed fsync stops it. */
class GroupCommitTest {

    @TempDir
    Path dir;

    @Test
    void writesArrivingDuringAnFsyncShareTheNextOne() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        try (GroupCommit writer = GroupCommit.start("w");
             DurableLog log = DurableLog.open(disk.directory("g"), writer, BOOTSTRAP, LogOptions.defaults())) {
            long forcesBefore = disk.forces();
            long roundsBefore = writer.rounds();
            CountDownLatch waiting = disk.holdForces();
            CompletableFuture<Void> first = log.append(WriteBatch.entries(range(1, 1, 1)));
            waiting.await();
            List<CompletableFuture<Void>> queued = new ArrayList<>();
            for (long i = 2; i <= 11; i++) {
                queued.add(log.append(new WriteBatch(null, List.of(entry(1, i)), new HardState(1, 1, i - 1))));
            }
            assertTrue(queued.stream().noneMatch(CompletableFuture::isDone), "nothing is acknowledged before its fsync");
            disk.releaseForces();
            first.join();
            queued.forEach(CompletableFuture::join);
            assertEquals(2, writer.rounds() - roundsBefore);
            assertEquals(2, disk.forces() - forcesBefore, "one fsync for the first write, one for the ten behind it");
            assertEquals(11, log.lastIndex());
            assertEquals(new HardState(1, 1, 10), log.hardState());
        }
    }

    @Test
    void oneRoundFsyncsEveryGroupItWrote() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        try (GroupCommit writer = GroupCommit.start("w");
             DurableLog a = DurableLog.open(disk.directory("a"), writer, BOOTSTRAP, LogOptions.defaults());
             DurableLog b = DurableLog.open(disk.directory("b"), writer, BOOTSTRAP, LogOptions.defaults());
             DurableLog c = DurableLog.open(disk.directory("c"), writer, BOOTSTRAP, LogOptions.defaults())) {
            CountDownLatch waiting = disk.holdForces();
            CompletableFuture<Void> blocker = a.append(WriteBatch.entries(range(1, 1, 1)));
            waiting.await();
            long forcesBefore = disk.forces();
            List<CompletableFuture<Void>> round = new ArrayList<>();
            for (long i = 1; i <= 5; i++) {
                round.add(b.append(WriteBatch.entries(range(1, i, i))));
                round.add(c.append(WriteBatch.entries(range(1, i, i))));
            }
            round.add(a.append(WriteBatch.entries(range(1, 2, 2))));
            disk.releaseForces();
            blocker.join();
            round.forEach(CompletableFuture::join);
            assertEquals(1 + 3, disk.forces() - forcesBefore, "the blocked fsync, then one per group");
            assertEquals(range(1, 1, 5), all(b));
            assertEquals(range(1, 1, 5), all(c));
        }
    }

    @Test
    void aFailedFsyncStopsEveryLogAndAcknowledgesNothing() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        GroupCommit writer = GroupCommit.start("w");
        DurableLog a = DurableLog.open(disk.directory("a"), writer, BOOTSTRAP, LogOptions.defaults());
        DurableLog b = DurableLog.open(disk.directory("b"), writer, BOOTSTRAP, LogOptions.defaults());
        a.append(new WriteBatch(null, range(1, 1, 3), new HardState(1, 1, 2))).join();
        IOException eio = new IOException("EIO (injected)");
        disk.failForces(eio);
        CompletionException failed = assertThrows(CompletionException.class,
                () -> a.append(new WriteBatch(null, range(2, 4, 5), new HardState(2, 1, 3))).join());
        assertSame(eio, failed.getCause());
        assertEquals(new HardState(1, 1, 2), a.hardState(), "an unsynced hard state is never shown");
        assertEquals(3, a.lastIndex(), "nor are unsynced entries");
        disk.failForces(null);
        for (DurableLog log : List.of(a, b)) {
            CompletionException later = assertThrows(CompletionException.class,
                    () -> log.append(WriteBatch.hardState(new HardState(3, 0, 0))).join());
            assertSame(eio, later.getCause(), "the writer stays stopped after the disk recovers");
        }
        assertSame(eio, writer.failure().orElseThrow());
        a.close();
        b.close();
        writer.close();
    }

    @Test
    void manyThreadsManyGroupsOnRealFiles() throws Exception {
        int groups = 4;
        int threadsPerGroup = 2;
        int batches = 100;
        try (GroupCommit writer = GroupCommit.start("w")) {
            List<DurableLog> logs = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(groups * threadsPerGroup);
            try {
                for (int g = 0; g < groups; g++) {
                    logs.add(DurableLog.open(FileSystemDirectory.open(dir.resolve("g" + g)), writer, BOOTSTRAP,
                            new LogOptions(16 << 10, 1 << 10)));
                }
                List<Future<?>> done = new ArrayList<>();
                for (int g = 0; g < groups; g++) {
                    DurableLog log = logs.get(g);
                    for (int t = 0; t < threadsPerGroup; t++) {
                        long term = t + 1;
                        // Each thread writes hard states only: entries need one writer per group to stay ordered.
                        done.add(pool.submit(() -> {
                            for (int i = 0; i < batches; i++) {
                                log.append(WriteBatch.hardState(new HardState(term, 0, i))).join();
                            }
                            return null;
                        }));
                    }
                    done.add(pool.submit(() -> {
                        for (long i = 1; i <= batches; i++) {
                            log.append(WriteBatch.entries(range(1, i, i))).join();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
                assertTrue(writer.rounds() <= (long) groups * (threadsPerGroup + 1) * batches + 2 * groups);
                for (DurableLog log : logs) {
                    assertEquals(range(1, 1, batches), all(log));
                    assertEquals(batches - 1, log.hardState().commit());
                }
            } finally {
                pool.shutdown();
                for (DurableLog log : logs) {
                    log.close();
                }
            }
        }
    }
}
