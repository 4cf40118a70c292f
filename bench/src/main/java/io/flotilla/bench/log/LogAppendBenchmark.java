package io.flotilla.bench.log;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.log.DurableLog;
import io.flotilla.raft.log.FileSystemDirectory;
import io.flotilla.raft.log.GroupCommit;
import io.flotilla.raft.log.LogOptions;
import io.flotilla.raft.log.WriteBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The durable log: entries made durable per second by {@value #WRITERS} threads, each appending
 * batches of {@value #BATCH} entries to its own group's log and waiting for the fsync, all groups
 * sharing one {@link GroupCommit} writer. The baseline does the same with a plain FileChannel per
 * thread: write the batch's bytes, fsync, repeat (no framing, no checksums, no index, no sharing of
 * fsyncs). The score is entries/s; the {@code megabytes} line is payload MB/s.
 *
 * <p>Files go to a fresh temporary directory ({@code java.io.tmpdir}), deleted afterwards. Fsync
 * cost dominates, so the figures say more about the disk than the code; the ratio is the point.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar LogAppendBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(LogAppendBenchmark.WRITERS)
@Fork(1)
public class LogAppendBenchmark {

    static final int WRITERS = 4;
    /** Entries per append: what one Ready typically carries under load. */
    static final int BATCH = 16;
    /** Compact every so many batches, so the benchmark does not fill the disk. */
    static final int COMPACT_EVERY = 1024;
    static final long PLAIN_FILE_BYTES = 64L << 20;
    static final SnapshotMeta BOOTSTRAP = SnapshotMeta.bootstrap(Membership.of(Set.of(1L), Set.of()));

    @Param({"128", "4096"})
    int entryBytes;

    Path root;
    GroupCommit writer;
    final AtomicInteger groups = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        root = Files.createTempDirectory("flotilla-log-bench-");
        writer = GroupCommit.start("bench-log-writer");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        writer.close();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    /** One writer thread's group: its log, and its file for the baseline. */
    @State(Scope.Thread)
    public static class Group {
        DurableLog log;
        FileChannel plain;
        ByteBuffer plainBatch;
        long plainPosition;
        byte[] payload;
        long lastIndex;

        @Setup(Level.Trial)
        public void setUp(LogAppendBenchmark bench) throws IOException {
            int id = bench.groups.incrementAndGet();
            log = DurableLog.open(FileSystemDirectory.open(bench.root.resolve("group-" + id)), bench.writer, BOOTSTRAP,
                    new LogOptions(16L << 20, 1L << 20));
            plain = FileChannel.open(bench.root.resolve("plain-" + id), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            payload = new byte[bench.entryBytes];
            plainBatch = ByteBuffer.allocate(BATCH * bench.entryBytes);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            try (FileChannel p = plain) {
                log.close();
            }
        }
    }

    /** Payload megabytes per second, next to the entries per second of the score. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Volume {
        public double megabytes;

        @Setup(Level.Iteration)
        public void reset() {
            megabytes = 0;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void durableLogGroupCommit(Group group, Volume volume) {
        List<Entry> entries = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            entries.add(new Entry(1, ++group.lastIndex, new Payload.Command(group.payload)));
        }
        group.log.append(WriteBatch.entries(entries)).join();
        volume.megabytes += BATCH * (double) group.payload.length / 1e6;
        if (group.lastIndex % ((long) COMPACT_EVERY * BATCH) == 0) {
            group.log.compact(new SnapshotMeta(group.lastIndex - BATCH, 1, BOOTSTRAP.membership())).join();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void baselineFileChannelWriteForce(Group group, Volume volume) throws IOException {
        ByteBuffer batch = group.plainBatch.clear();
        while (batch.hasRemaining()) {
            group.plainPosition += group.plain.write(batch, group.plainPosition);
        }
        group.plain.force(false);
        volume.megabytes += batch.capacity() / 1e6;
        if (group.plainPosition >= PLAIN_FILE_BYTES) {
            // Start the file over, as the log's compaction deletes old segments: both keep appending.
            group.plain.truncate(0);
            group.plainPosition = 0;
        }
    }
}
