package io.flotilla.raft.host;

import io.flotilla.raft.core.Config;
import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.core.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Three hosts in one JVM, joined by an in-memory network, running many groups on two workers each. */
class RaftHostTest {

    private static final int GROUPS = 60;
    private static final Membership MEMBERS = Membership.of(Set.of(1L, 2L, 3L), Set.of());

    /** Counts the commands applied per group; reads return the count. */
    private static final class Counter implements StateMachine {
        final AtomicLong commands = new AtomicLong();

        @Override
        public Object apply(Entry entry) {
            return entry.payload() instanceof Payload.Command ? commands.incrementAndGet() : null;
        }
    }

    private final ExecutorService fsync = Executors.newFixedThreadPool(2);
    private final Map<Long, RaftHost> hosts = new ConcurrentHashMap<>();
    private final Map<Long, Map<Long, Counter>> machines = new ConcurrentHashMap<>();

    private RaftHost startHost(long id) {
        RaftHost host = new RaftHost(id, 2, 4096, (group, m) -> {
            RaftHost to = hosts.get(m.to());
            if (to != null) {
                to.deliver(group, m);
            }
        }, System::nanoTime, id);
        hosts.put(id, host);
        machines.put(id, new ConcurrentHashMap<>());
        return host;
    }

    private void createEverywhere(long group) throws Exception {
        for (long id = 1; id <= 3; id++) {
            Counter counter = new Counter();
            machines.get(id).put(group, counter);
            Config config = Config.of(id).withTimeouts(Duration.ofMillis(200).toNanos(),
                    Duration.ofMillis(20).toNanos(), Duration.ofMillis(20).toNanos());
            hosts.get(id).createGroup(group, config, new MemoryGroupLog(MEMBERS, fsync), counter).get(5, TimeUnit.SECONDS);
        }
    }

    private long leaderOf(long group) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            for (var e : hosts.entrySet()) {
                Role role = e.getValue().inspect(group, r -> r.role()).get(5, TimeUnit.SECONDS);
                if (role == Role.LEADER) {
                    return e.getKey();
                }
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no leader for group " + group);
    }

    @AfterEach
    void tearDown() {
        hosts.values().forEach(RaftHost::close);
        fsync.shutdownNow();
    }

    @Test
    void manyGroupsElectCommitAndServeLinearizableReadsOnAFixedNumberOfThreads() throws Exception {
        for (long id = 1; id <= 3; id++) {
            startHost(id);
        }
        for (long g = 1; g <= GROUPS; g++) {
            createEverywhere(g);
        }
        List<CompletableFuture<Committed>> commits = new ArrayList<>();
        for (long g = 1; g <= GROUPS; g++) {
            long leader = leaderOf(g);
            for (int i = 0; i < 10; i++) {
                commits.add(hosts.get(leader).propose(g, ("w" + i).getBytes()));
            }
        }
        for (CompletableFuture<Committed> c : commits) {
            Committed done = c.get(20, TimeUnit.SECONDS);
            assertTrue(done.index() >= 2, "after the leader's no-op");
        }
        for (long g = 1; g <= GROUPS; g++) {
            long leader = leaderOf(g);
            Counter counter = machines.get(leader).get(g);
            assertEquals(10L, hosts.get(leader).read(g, counter.commands::get).get(10, TimeUnit.SECONDS));
        }
        long threads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("raft-host-")).count();
        assertEquals(3 * 2, threads, "two workers per host, whatever the number of groups");
    }

    @Test
    void followersRefuseWorkAndNameTheLeader() throws Exception {
        for (long id = 1; id <= 3; id++) {
            startHost(id);
        }
        createEverywhere(7);
        long leader = leaderOf(7);
        long follower = leader == 1 ? 2 : 1;
        // A follower learns who leads from the leader's first message, which may still be on its way.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (hosts.get(follower).inspect(7, r -> r.leader()).get(5, TimeUnit.SECONDS) != leader) {
            assertTrue(System.nanoTime() < deadline, "follower never heard from the leader");
            Thread.onSpinWait();
        }
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> hosts.get(follower).propose(7, new byte[1]).get(10, TimeUnit.SECONDS));
        GroupUnavailableException refused = assertInstanceOf(GroupUnavailableException.class, e.getCause());
        assertEquals(GroupUnavailableException.Reason.REFUSED, refused.reason());
        assertEquals(leader, refused.leaderHint());
    }

    @Test
    void aGroupThatFailsStopsAloneAndItsWorkerCarriesOn() throws Exception {
        RaftHost host = new RaftHost(1, 1, 1024, (group, m) -> { }, System::nanoTime, 1);
        hosts.put(1L, host);
        Membership single = Membership.of(Set.of(1L), Set.of());
        StateMachine broken = entry -> {
            if (entry.payload() instanceof Payload.Command) {
                throw new IllegalStateException("state machine bug");
            }
            return null;
        };
        Counter healthy = new Counter();
        host.createGroup(1, Config.of(1), new MemoryGroupLog(single, fsync), broken).get(5, TimeUnit.SECONDS);
        host.createGroup(2, Config.of(1), new MemoryGroupLog(single, fsync), healthy).get(5, TimeUnit.SECONDS);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> proposeWhenLeader(host, 1).get(10, TimeUnit.SECONDS));
        assertEquals(GroupUnavailableException.Reason.STOPPED,
                assertInstanceOf(GroupUnavailableException.class, e.getCause()).reason());
        assertEquals(1L, proposeWhenLeader(host, 2).get(10, TimeUnit.SECONDS).result(),
                "the other group on the same (only) worker still commits");
    }

    /** A single-node group elects itself after an election timeout; propose once it has. */
    private static CompletableFuture<Committed> proposeWhenLeader(RaftHost host, long group) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (host.inspect(group, r -> r.role() != Role.LEADER).get(5, TimeUnit.SECONDS)) {
            assertTrue(System.nanoTime() < deadline, "group " + group + " never elected itself");
            Thread.onSpinWait();
        }
        return host.propose(group, new byte[] {1});
    }

    @Test
    void removedGroupsFailPendingAndLaterWork() throws Exception {
        startHost(1);
        hosts.get(1L).createGroup(9, Config.of(1), new MemoryGroupLog(Membership.of(Set.of(1L), Set.of()), fsync),
                new Counter()).get(5, TimeUnit.SECONDS);
        hosts.get(1L).removeGroup(9).get(5, TimeUnit.SECONDS);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> hosts.get(1L).propose(9, new byte[1]).get(5, TimeUnit.SECONDS));
        assertEquals(GroupUnavailableException.Reason.STOPPED,
                assertInstanceOf(GroupUnavailableException.class, e.getCause()).reason());
    }
}
