package io.flotilla.bench.host;

import com.sun.management.OperatingSystemMXBean;
import io.flotilla.raft.core.Config;
import io.flotilla.raft.embedded.KvMachine;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Role;
import io.flotilla.raft.host.MemoryGroupLog;
import io.flotilla.raft.host.RaftHost;


import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * What idle groups cost: three hosts in one JVM on an in-memory network, first with no groups (the
 * baseline), then with N groups at rest (leaders elected, no proposals) that heartbeat, then the
 * same with quiescence and node liveness on. Prints the process CPU time per wall second and the
 * messages (pings included) per second of each phase, and how many replicas quiesced.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.flotilla.bench.host.IdleGroups 1000 10}
 */
public final class IdleGroups {

    private IdleGroups() {
    }

    public static void main(String[] args) throws Exception {
        int groups = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        System.out.printf("idle groups: 3 hosts x 2 workers, election timeout %d ms, heartbeat %d ms%n",
                Duration.ofNanos(Config.of(1).electionTimeout()).toMillis(),
                Duration.ofNanos(Config.of(1).heartbeatInterval()).toMillis());
        System.out.printf("%-34s %8s %12s %10s%n", "phase", "cpu %", "messages/s", "quiesced");
        try (Nodes nodes = new Nodes(false)) {
            print("baseline (3 hosts, no groups)", measure(os, nodes, seconds));
            nodes.createGroups(groups);
            print(groups + " idle groups, heartbeating", measure(os, nodes, seconds));
        }
        try (Nodes nodes = new Nodes(true)) {
            nodes.createGroups(groups);
            nodes.awaitQuiesced(groups);
            print(groups + " idle groups, quiesced", measure(os, nodes, seconds));
        }
    }

    private static void print(String phase, Phase p) {
        System.out.printf("%-34s %8.1f %12.0f %10d%n", phase, p.cpuPercent(), p.messagesPerSecond(), p.quiesced());
    }

    /** Three hosts wired to each other in memory, counting what they send. */
    private static final class Nodes implements AutoCloseable {
        final ExecutorService fsync = Executors.newFixedThreadPool(2);
        final Map<Long, RaftHost> hosts = new ConcurrentHashMap<>();
        final LongAdder messages = new LongAdder();
        int groups;

        Nodes(boolean quiesce) {
            long livenessTimeout = quiesce ? Config.of(1).electionTimeout() : 0;
            for (long id = 1; id <= 3; id++) {
                long self = id;
                hosts.put(id, new RaftHost(id, 2, 1 << 16, new InMemoryOutbox(self, hosts, messages),
                        System::nanoTime, id, livenessTimeout));
            }
        }

        void createGroups(int count) throws Exception {
            Membership members = Membership.of(Set.of(1L, 2L, 3L), Set.of());
            for (long g = 1; g <= count; g++) {
                for (long id = 1; id <= 3; id++) {
                    hosts.get(id).createGroup(g, Config.of(id), new MemoryGroupLog(members, fsync), new KvMachine())
                            .get(10, TimeUnit.SECONDS);
                }
            }
            groups = count;
            awaitLeaders(hosts, count);
        }

        long quiesced() throws Exception {
            long n = 0;
            for (long g = 1; g <= groups; g++) {
                for (RaftHost h : hosts.values()) {
                    n += h.inspect(g, r -> r.quiesced() ? 1 : 0).get(10, TimeUnit.SECONDS);
                }
            }
            return n;
        }

        void awaitQuiesced(int count) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (quiesced() < 3L * count) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + quiesced() + " of " + 3 * count + " replicas quiesced");
                }
                Thread.sleep(100);
            }
        }

        @Override
        public void close() {
            hosts.values().forEach(RaftHost::close);
            fsync.shutdownNow();
        }
    }

    private record Phase(double cpuPercent, double messagesPerSecond, long quiesced) {
    }

    /** CPU is in percent of one core: 200 would be both cores of this machine busy. */
    private static Phase measure(OperatingSystemMXBean os, Nodes nodes, int seconds) throws Exception {
        long cpu0 = os.getProcessCpuTime();
        long msg0 = nodes.messages.sum();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long wall = System.nanoTime() - t0;
        Phase p = new Phase(100.0 * (os.getProcessCpuTime() - cpu0) / wall, (nodes.messages.sum() - msg0) * 1e9 / wall,
                nodes.quiesced());
        return p;
    }

    private static void awaitLeaders(Map<Long, RaftHost> hosts, int groups) throws Exception {
        for (long g = 1; g <= groups; g++) {
            boolean led = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!led) {
                for (RaftHost h : hosts.values()) {
                    led |= h.inspect(g, r -> r.role() == Role.LEADER).get(10, TimeUnit.SECONDS);
                }
                if (!led && System.nanoTime() > deadline) {
                    throw new IllegalStateException("group " + g + " elected no leader");
                }
            }
        }
    }

}
