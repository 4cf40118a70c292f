package io.flotilla.bench.raft;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.LocalCluster;
import io.flotilla.raft.core.MemoryStorage;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.core.Proposal;
import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.SnapshotMeta;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Raft core alone: proposals committed per second by a 3-node group whose replicas run in one
 * thread and exchange messages in memory, with no disk and no network. The baseline appends the same
 * entries to a single in-memory log with no consensus at all, so the ratio is the cost of the
 * protocol's own work (messages, progress tracking, commitment) on this machine, today.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar RaftCoreBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RaftCoreBenchmark {

    /** Proposals per round: the leader batches whatever arrived before the replicas exchange messages. */
    static final int BATCH = 64;

    @Param({"128"})
    int payloadBytes;

    private LocalCluster cluster;
    private Raft leader;
    private byte[] payload;
    private MemoryStorage baselineLog;
    private long baselineTerm;
    private long baselineIndex;
    private long rounds;

    @Setup(Level.Trial)
    public void setUp() {
        payload = new byte[payloadBytes];
        cluster = new LocalCluster(3, 42);
        leader = cluster.electLeader();
        cluster.deliverAll();
        baselineLog = new MemoryStorage(SnapshotMeta.bootstrap(Membership.of(Set.of(1L), Set.of())));
        baselineTerm = 1;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long commitInThreeNodeGroup() {
        long last = 0;
        for (int i = 0; i < BATCH; i++) {
            if (leader.propose(payload) instanceof Proposal.Appended a) {
                last = a.index();
            } else {
                throw new IllegalStateException("leadership lost during the benchmark");
            }
        }
        cluster.deliverAll();
        if (leader.committed() < last) {
            throw new IllegalStateException("round ended with proposals uncommitted");
        }
        if (++rounds % 256 == 0) {
            cluster.compactAll();
        }
        return leader.committed();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long baselineAppendWithoutConsensus() {
        List<Entry> entries = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            entries.add(new Entry(baselineTerm, ++baselineIndex, new Payload.Command(payload)));
        }
        baselineLog.persist(new Ready(null, null, entries, List.of(), List.of(), List.of(), List.of(), List.of(), List.of()));
        if (baselineIndex % (256 * BATCH) == 0) {
            baselineLog.compact(new SnapshotMeta(baselineIndex, baselineTerm, Membership.EMPTY));
        }
        return baselineLog.lastIndex();
    }
}
