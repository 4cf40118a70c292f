package io.flotilla.bench.host;

import com.sun.management.OperatingSystemMXBean;
import io.flotilla.raft.core.Config;
import io.flotilla.raft.core.Message;
import io.flotilla.raft.embedded.KvMachine;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Role;
import io.flotilla.raft.host.MemoryGroupLog;
import io.flotilla.raft.host.Outbox;
import io.flotilla.raft.host.RaftHost;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.CompletableFuture;

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
 * baseline), then with N groups at rest (leaders elected, no proposals). Prints the process CPU
 * time per wall second and the messages per second of each phase.
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
        ExecutorService fsync = Executors.newFixedThreadPool(2);
        Map<Long, RaftHost> hosts = new ConcurrentHashMap<>();
        LongAdder messages = new LongAdder();
        for (long id = 1; id <= 3; id++) {
            hosts.put(id, new RaftHost(id, 2, 1 << 16, new Outbox() {
                @Override
                public void send(long group, Message m) {
                    messages.increment();
                    RaftHost to = hosts.get(m.to());
                    if (to != null) {
                        to.deliver(group, m);
                    }
                }

                @Override
                public CompletableFuture<Void> sendSnapshot(long group, Message.InstallSnapshot announcement,
                                                            ReadableByteChannel image) {
                    return CompletableFuture.failedFuture(new IOException("idle groups never need snapshots"));
                }
            }, System::nanoTime, id));
        }
        try {
            Phase baseline = measure(os, messages, seconds);
            Membership members = Membership.of(Set.of(1L, 2L, 3L), Set.of());
            for (long g = 1; g <= groups; g++) {
                for (long id = 1; id <= 3; id++) {
                    hosts.get(id).createGroup(g, Config.of(id), new MemoryGroupLog(members, fsync), new KvMachine())
                            .get(10, TimeUnit.SECONDS);
                }
            }
            awaitLeaders(hosts, groups);
            Phase idle = measure(os, messages, seconds);
            System.out.printf("idle groups: 3 hosts x 2 workers, election timeout %d ms, heartbeat %d ms%n",
                    Duration.ofNanos(Config.of(1).electionTimeout()).toMillis(),
                    Duration.ofNanos(Config.of(1).heartbeatInterval()).toMillis());
            System.out.printf("%-22s %12s %14s%n", "phase", "cpu %", "messages/s");
            System.out.printf("%-22s %12.1f %14.0f%n", "baseline (no groups)", baseline.cpuPercent(), baseline.messagesPerSecond());
            System.out.printf("%-22s %12.1f %14.0f%n", groups + " idle groups", idle.cpuPercent(), idle.messagesPerSecond());
        } finally {
            hosts.values().forEach(RaftHost::close);
            fsync.shutdownNow();
        }
    }

    private record Phase(double cpuPercent, double messagesPerSecond) {
    }

    /** CPU is in percent of one core: 200 would be both cores of this machine busy. */
    private static Phase measure(OperatingSystemMXBean os, LongAdder messages, int seconds) throws InterruptedException {
        long cpu0 = os.getProcessCpuTime();
        long msg0 = messages.sum();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long wall = System.nanoTime() - t0;
        return new Phase(100.0 * (os.getProcessCpuTime() - cpu0) / wall, (messages.sum() - msg0) * 1e9 / wall);
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
