package io.flotilla.bench.cluster;

import io.flotilla.raft.embedded.EmbeddedCluster;
import io.flotilla.raft.embedded.KvMachine;
import io.flotilla.raft.host.RaftHost;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Key-value writes committed by one group of an embedded cluster over Netty on loopback, with 16
 * proposers waiting on their own writes; {@code nodes=1} is the single-node baseline of the same
 * invocation, so the ratio is the cost of replicating to a quorum over real sockets.
 *
 * <p>Logs are on disk (the durable log, fsynced by group commit) in a temporary directory.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar ClusterWriteBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 3)
@Fork(1)
@Threads(16)
public class ClusterWriteBenchmark {

    private static final long GROUP = 1;

    @Param({"1", "3"})
    int nodes;

    private EmbeddedCluster cluster;
    private RaftHost leader;
    private final AtomicLong keys = new AtomicLong();

    @Setup(Level.Trial)
    public void start() throws Exception {
        cluster = EmbeddedCluster.start(nodes);
        Set<Long> voters = new HashSet<>(cluster.nodes());
        cluster.createGroup(GROUP, voters, KvMachine::new);
        leader = cluster.host(cluster.awaitLeader(GROUP, Duration.ofSeconds(30)));
    }

    @TearDown(Level.Trial)
    public void stop() {
        cluster.close();
    }

    @Benchmark
    public Object commitWrite() throws Exception {
        long k = keys.incrementAndGet();
        return leader.propose(GROUP, KvMachine.command(false, "k" + (k & 1023), 0, k)).get(10, TimeUnit.SECONDS);
    }
}
