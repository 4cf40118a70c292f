package io.flotilla.raft.log;

import static io.flotilla.raft.log.TestEntries.BOOTSTRAP;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.HardState;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.core.SnapshotMeta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Random writes (appends, overwrites, hard states, compactions, snapshot installs) on a simulated
 * disk, crashed at random moments, sometimes with a round of writes caught between write and fsync,
 * losing or tearing what was not fsynced. After each recovery the log must be exactly the state
 * after some prefix of the records written, and that prefix must include every acknowledged write.
 *
 * <p>Replay one seed: {@code mvn -pl raft test -Dtest=CrashRecoveryRandomTest -Dflotilla.log.seed=N}.
 */
class CrashRecoveryRandomTest {

    private static final int SEEDS = Integer.getInteger("flotilla.log.seeds", 300);

    @Test
    void everyAcknowledgedWriteSurvivesEveryCrash() {
        Long only = Long.getLong("flotilla.log.seed");
        long from = only != null ? only : 1;
        long to = only != null ? only : SEEDS;
        for (long seed = from; seed <= to; seed++) {
            try {
                new Run(seed).run();
            } catch (AssertionError | Exception e) {
                throw new AssertionError("seed " + seed + " failed; replay with -Dflotilla.log.seed=" + seed
                        + ": " + e.getMessage(), e);
            }
        }
    }

    /** One seed: a few lives of one log, each ended by a crash. */
    private static final class Run {
        private final Random random;
        private final SimulatedDisk disk = new SimulatedDisk();
        private final LogOptions options;
        private long term = 1;
        private long protectedIndex;

        Run(long seed) {
            this.random = new Random(seed);
            this.options = new LogOptions(200 + random.nextInt(3000), random.nextInt(3) == 0 ? 0 : random.nextInt(4000));
        }

        void run() throws Exception {
            GroupCommit writer = GroupCommit.start("crash-test");
            DurableLog log = DurableLog.open(disk.directory("g"), writer, BOOTSTRAP, options);
            int lives = 3 + random.nextInt(5);
            for (int life = 0; life < lives; life++) {
                ModelLog start = ModelLog.of(log);
                protectedIndex = start.snapshot.index();
                List<ModelLog> path = new ArrayList<>(List.of(start));
                List<Integer> endOfWrite = new ArrayList<>();
                List<CompletableFuture<Void>> futures = new ArrayList<>();
                List<Long> touchesFrom = new ArrayList<>();
                int ops = 5 + random.nextInt(40);
                int holdAt = random.nextBoolean() ? random.nextInt(ops) : -1;
                boolean held = false;
                for (int op = 0; op < ops; op++) {
                    if (op == holdAt) {
                        disk.holdForces();
                        held = true;
                    }
                    ModelLog intended = path.get(path.size() - 1);
                    LogWrite write = nextWrite(log, intended, futures, touchesFrom);
                    if (write == null) {
                        if (!held) {
                            futures.forEach(CompletableFuture::join);
                        }
                        continue;
                    }
                    CompletableFuture<Void> done = write instanceof Compaction c ? log.compact(c.to())
                            : log.append((WriteBatch) write);
                    path.addAll(intended.steps(write));
                    endOfWrite.add(path.size() - 1);
                    futures.add(done);
                    touchesFrom.add(touches(write));
                }
                SimulatedDisk.CrashMode mode = SimulatedDisk.CrashMode.values()[random.nextInt(3)];
                disk.crash(mode, random);
                disk.releaseForces();
                writer.close();
                log.close();
                int acknowledged = -1;
                for (int i = 0; i < futures.size(); i++) {
                    if (futures.get(i).isDone() && !futures.get(i).isCompletedExceptionally()) {
                        acknowledged = i;
                    }
                }
                int mustInclude = acknowledged < 0 ? 0 : endOfWrite.get(acknowledged);

                writer = GroupCommit.start("crash-test");
                log = DurableLog.open(disk.directory("g"), writer, BOOTSTRAP, options);
                ModelLog recovered = ModelLog.of(log);
                boolean matched = false;
                for (int j = path.size() - 1; j >= mustInclude && !matched; j--) {
                    matched = path.get(j).sameAs(recovered);
                }
                assertTrue(matched, "life " + life + " (" + mode + ", " + futures.size() + " writes, acknowledged up to "
                        + acknowledged + "): recovered " + recovered + " is no state in steps " + mustInclude + ".."
                        + (path.size() - 1) + "; last intended " + path.get(path.size() - 1));
                // Recovery itself must be stable: opening again finds the same log.
                log.close();
                log = DurableLog.open(disk.directory("g"), writer, BOOTSTRAP, options);
                assertTrue(ModelLog.of(log).sameAs(recovered), "second recovery differs");
            }
            log.close();
            writer.close();
        }

        /** The next write, or null to wait for the pending ones instead. */
        private LogWrite nextWrite(DurableLog log, ModelLog intended, List<CompletableFuture<Void>> futures,
                                   List<Long> touchesFrom) throws IOException {
            int kind = random.nextInt(100);
            if (kind < 50) {
                long last = intended.lastIndex();
                long start = last + 1;
                if (random.nextInt(4) == 0 && last > protectedIndex) {
                    start = protectedIndex + 1 + random.nextInt((int) (last - protectedIndex));
                    term++;
                }
                List<Entry> entries = new ArrayList<>();
                int count = 1 + random.nextInt(6);
                for (int i = 0; i < count; i++) {
                    byte[] payload = new byte[random.nextInt(200)];
                    random.nextBytes(payload);
                    entries.add(new Entry(term, start + i, new Payload.Command(payload)));
                }
                return new WriteBatch(null, entries, random.nextInt(3) == 0 ? hardState() : null);
            }
            if (kind < 65) {
                return WriteBatch.hardState(hardState());
            }
            if (kind < 80) {
                long hi = Math.min(log.lastIndex(), intended.lastIndex());
                for (int i = 0; i < futures.size(); i++) {
                    if (!futures.get(i).isDone()) {
                        hi = Math.min(hi, touchesFrom.get(i) - 1);
                    }
                }
                long lo = Math.max(intended.snapshot.index(), log.snapshot().index()) + 1;
                if (hi < lo) {
                    return WriteBatch.hardState(hardState());
                }
                long at = lo + random.nextInt((int) (hi - lo + 1));
                protectedIndex = Math.max(protectedIndex, at);
                return new Compaction(new SnapshotMeta(at, log.term(at), BOOTSTRAP.membership()));
            }
            if (kind < 85) {
                long at = Math.max(intended.lastIndex(), protectedIndex) + random.nextInt(20);
                if (at <= intended.snapshot.index()) {
                    at = intended.snapshot.index() + 1;
                }
                term++;
                protectedIndex = Math.max(protectedIndex, at);
                List<Entry> following = new ArrayList<>();
                for (int i = 0; i < random.nextInt(3); i++) {
                    following.add(new Entry(term, at + 1 + i, new Payload.Command(new byte[] {(byte) i})));
                }
                return new WriteBatch(new SnapshotMeta(at, term, BOOTSTRAP.membership()), following, hardState());
            }
            return null;
        }

        private HardState hardState() {
            return new HardState(term, random.nextInt(4), random.nextInt(1000));
        }

        /** The lowest index a write changes: a compaction may not reach it while the write is pending. */
        private static long touches(LogWrite write) {
            if (write instanceof WriteBatch b) {
                if (b.snapshot() != null) {
                    return 0;
                }
                return b.entries().isEmpty() ? Long.MAX_VALUE : b.entries().get(0).index();
            }
            return Long.MAX_VALUE;
        }
    }
}
