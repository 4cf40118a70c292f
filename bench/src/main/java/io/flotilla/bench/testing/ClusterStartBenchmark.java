package io.flotilla.bench.testing;

import io.flotilla.testing.FlotillaCluster;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import static java.util.logging.Level.WARNING;

/**
 * What {@code @FlotillaTest} costs an application's test run: {@code FlotillaCluster.start(3)}
 * until a first statement is answered, in a JVM that has started clusters before (warm: classes
 * loaded, JIT at work), and the heap an idle 3-node cluster holds.
 *
 * <p>One cluster start per iteration (single-shot): the time is start(3), a connection through the
 * driver and {@code SELECT 1}. After each iteration, untimed, the heap used with the cluster up is
 * compared with the heap used once it is closed, both after a full GC, and printed:
 * {@code idle 3-node cluster: heap used ...}.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar ClusterStartBenchmark -f 1 -wi 2 -i 3}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(1)
public class ClusterStartBenchmark {

    /** Held so that the level set on it stays: the nodes log every election at INFO. */
    private static final Logger NODE_LOGS = Logger.getLogger("io.flotilla");

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private FlotillaCluster cluster;

    @Setup(Level.Trial)
    public void quietNodes() {
        NODE_LOGS.setLevel(WARNING);
    }

    @Benchmark
    public int startThreeNodesUntilFirstStatement() throws Exception {
        cluster = FlotillaCluster.start(3);
        try (Connection c = cluster.connection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT 1")) {
            r.next();
            return r.getInt(1);
        }
    }

    @TearDown(Level.Iteration)
    public void measureHeapAndClose() {
        if (cluster == null) {
            return;
        }
        long withCluster = usedHeapAfterGc();
        cluster.close();
        cluster = null;
        long without = usedHeapAfterGc();
        System.out.printf("%nidle 3-node cluster: heap used %.1f MiB with it, %.1f MiB after close: %.1f MiB%n",
                mib(withCluster), mib(without), mib(withCluster - without));
    }

    /** Two collections: the first may only queue finalizable and reference-held objects. */
    private long usedHeapAfterGc() {
        System.gc();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
