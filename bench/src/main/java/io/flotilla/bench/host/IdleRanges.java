package io.flotilla.bench.host;

import com.sun.management.OperatingSystemMXBean;
import io.flotilla.raft.core.Config;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Role;
import io.flotilla.raft.host.MemoryGroupLog;
import io.flotilla.raft.host.RaftHost;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.store.StoreOptions;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * What idle ranges cost a node (issue 13: "10,000 quiescent ranges per node"): three hosts in one
 * JVM on an in-memory network, each holding a replica of every range — a {@link RangeReplica}, an H2
 * database of its own on disk, as a node keeps one per range — with quiescence and node liveness
 * on. First one range, then {@code N}: the process CPU per wall second once every replica has
 * quiesced, and the heap used (after a full GC), the H2 files on disk and the threads, per node
 * (a third of the JVM's). Printed side by side, so that the cost of a range is the difference.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.flotilla.bench.host.IdleRanges 1000 10 [writeDelayMs]}:
 * the third argument replaces the node's H2 write delay (500 ms), the period on which each
 * database's background writer wakes.
 */
public final class IdleRanges {

    private static final int NODES = 3;

    private IdleRanges() {
    }

    public static void main(String[] args) throws Exception {
        int ranges = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        StoreOptions store = args.length > 2 ? new StoreOptions(StoreOptions.defaults().lockTimeoutMillis(),
                Integer.parseInt(args[2])) : StoreOptions.defaults();
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        System.out.printf("idle ranges: %d hosts x 2 workers in one JVM, quiescence on, one H2 database per replica "
                + "(write delay %d ms); per node: a third of the JVM%n", NODES, store.writeDelayMillis());
        System.out.printf("%-28s %8s %14s %14s %9s%n", "phase", "cpu %", "heap/node MiB", "disk/node MiB", "threads");
        for (int count : new int[] {1, ranges}) {
            try (Ranges r = new Ranges(count, store)) {
                r.awaitQuiesced();
                Thread.sleep(1000);
                double cpu = cpuPercent(os, seconds);
                System.gc();
                System.gc();
                MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
                double heap = memory.getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0) / NODES;
                double disk = r.diskBytes() / (1024.0 * 1024.0) / NODES;
                System.out.printf("%-28s %8.1f %14.1f %14.1f %9d%n", count + (count == 1 ? " range" : " ranges"), cpu,
                        heap, disk, Thread.activeCount());
            }
        }
    }

    private static double cpuPercent(OperatingSystemMXBean os, int seconds) throws InterruptedException {
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        return 100.0 * (os.getProcessCpuTime() - cpu0) / (System.nanoTime() - t0);
    }

    /** N ranges on three hosts wired in memory, each replica an H2 database in a temporary directory. */
    private static final class Ranges implements AutoCloseable {
        final ExecutorService fsync = Executors.newFixedThreadPool(2);
        final Map<Long, RaftHost> hosts = new ConcurrentHashMap<>();
        final List<RangeReplica> replicas = new ArrayList<>();
        final Path root;
        final int count;

        Ranges(int count, StoreOptions store) throws Exception {
            this.count = count;
            this.root = Files.createTempDirectory("flotilla-idle-ranges-");
            long livenessTimeout = Config.of(1).electionTimeout();
            for (long id = 1; id <= NODES; id++) {
                long self = id;
                hosts.put(id, new RaftHost(id, 2, 1 << 16, new InMemoryOutbox(self, hosts, new LongAdder()),
                        System::nanoTime, id, livenessTimeout));
            }
            Membership members = Membership.of(Set.of(1L, 2L, 3L), Set.of());
            for (long g = 1; g <= count; g++) {
                for (long id = 1; id <= NODES; id++) {
                    RangeReplica replica = RangeReplica.open(g, KeySpan.ALL_TABLES,
                            root.resolve("node-" + id).resolve("range-" + g), RangeReplica.Options.defaults().withStore(store));
                    replicas.add(replica);
                    long group = g;
                    RaftHost host = hosts.get(id);
                    replica.attach(command -> host.propose(group, command));
                    host.createGroup(g, Config.of(id), new MemoryGroupLog(members, fsync), replica).get(30, TimeUnit.SECONDS);
                }
            }
            for (long g = 1; g <= count; g++) {
                awaitLeader(g);
            }
        }

        private void awaitLeader(long group) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                for (RaftHost h : hosts.values()) {
                    if (h.inspect(group, r -> r.role() == Role.LEADER).get(10, TimeUnit.SECONDS)) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("range " + group + " elected no leader");
                }
                Thread.sleep(10);
            }
        }

        void awaitQuiesced() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (true) {
                long quiesced = 0;
                for (long g = 1; g <= count; g++) {
                    for (RaftHost h : hosts.values()) {
                        quiesced += h.inspect(g, r -> r.quiesced() ? 1 : 0).get(10, TimeUnit.SECONDS);
                    }
                }
                if (quiesced == (long) NODES * count) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + quiesced + " of " + NODES * count + " replicas quiesced");
                }
                Thread.sleep(200);
            }
        }

        long diskBytes() throws IOException {
            try (Stream<Path> files = Files.walk(root)) {
                return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
        }

        @Override
        public void close() throws IOException {
            hosts.values().forEach(RaftHost::close);
            for (RangeReplica r : replicas) {
                r.close();
            }
            fsync.shutdownNow();
            try (Stream<Path> files = Files.walk(root)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
