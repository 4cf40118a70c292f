package io.flotilla.raft.host;

import io.flotilla.raft.core.Config;
import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.core.Message;
import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.Role;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.node.DiskLogs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Three hosts in one JVM, joined by an in-memory network, running many groups on two workers each. */
class RaftHostTest {

    private static final int GROUPS = 60;
    private static final Membership MEMBERS = Membership.of(Set.of(1L, 2L, 3L), Set.of());

    /** Counts the commands applied per group; reads return the count. */
    private static class Counter implements StateMachine {
        final AtomicLong commands = new AtomicLong();

        @Override
        public Object apply(Entry entry) {
            return entry.payload() instanceof Payload.Command ? commands.incrementAndGet() : null;
        }

        @Override
        public ReadableByteChannel snapshot() {
            return Channels.newChannel(new ByteArrayInputStream(ByteBuffer.allocate(8).putLong(commands.get()).array()));
        }

        @Override
        public void restore(ReadableByteChannel image) throws IOException {
            ByteBuffer count = ByteBuffer.allocate(8);
            while (count.hasRemaining() && image.read(count) >= 0) {
                // read the whole count
            }
            commands.set(count.flip().getLong());
        }
    }

    /**
     * A counter whose images cannot be read until the test opens the gate: a save of one is in
     * progress, on whatever thread reads it, for exactly as long as the test wants.
     */
    private static final class GatedCounter extends Counter {
        final CountDownLatch reading = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);

        @Override
        public ReadableByteChannel snapshot() {
            ReadableByteChannel image = super.snapshot();
            return new ReadableByteChannel() {
                @Override
                public int read(ByteBuffer dst) throws IOException {
                    reading.countDown();
                    try {
                        gate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted at the gate", e);
                    }
                    return image.read(dst);
                }

                @Override
                public boolean isOpen() {
                    return image.isOpen();
                }

                @Override
                public void close() throws IOException {
                    image.close();
                }
            };
        }
    }

    /** Hands everything to other hosts in this JVM, snapshots included (copied on a thread of their own). */
    private Outbox network(long from) {
        return new Outbox() {
            @Override
            public void send(long group, Message m) {
                RaftHost to = hosts.get(m.to());
                if (to != null && !cut.contains(m.to()) && !cut.contains(from)) {
                    to.deliver(group, m);
                }
            }

            @Override
            public CompletableFuture<Void> sendSnapshot(long group, Message.InstallSnapshot announcement,
                                                        ReadableByteChannel image) {
                return CompletableFuture.runAsync(() -> {
                    try (image) {
                        IncomingSnapshot in = hosts.get(announcement.to()).receiveSnapshot(group, announcement);
                        ByteBuffer chunk = ByteBuffer.allocate(4096);
                        while (image.read(chunk) >= 0) {
                            in.accept(chunk.flip());
                            chunk.clear();
                        }
                        beforeSnapshotCompletes.run();
                        in.complete();
                        snapshotsDelivered.incrementAndGet();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, fsync);
            }

            @Override
            public void ping(long node) {
                RaftHost to = hosts.get(node);
                if (to != null && !cut.contains(node) && !cut.contains(from)) {
                    to.heard(from);
                }
            }

            @Override
            public void replaceConnection(long node) {
                replacedConnections.add(from + "->" + node);
            }
        };
    }

    /** The connections hosts gave up, as "from->to", in order. */
    private final List<String> replacedConnections = new CopyOnWriteArrayList<>();

    private final ExecutorService fsync = Executors.newFixedThreadPool(2);
    /** Snapshots handed to their receiving host in full. */
    private final AtomicInteger snapshotsDelivered = new AtomicInteger();
    /** Runs as each snapshot is about to be handed over, once its bytes have arrived. */
    private volatile Runnable beforeSnapshotCompletes = () -> { };
    private final Map<Long, RaftHost> hosts = new ConcurrentHashMap<>();
    private final Map<Long, Map<Long, Counter>> machines = new ConcurrentHashMap<>();
    /** Nodes whose messages are lost, both ways. */
    private final Set<Long> cut = ConcurrentHashMap.newKeySet();

    private RaftHost startHost(long id) {
        RaftHost host = new RaftHost(id, 2, 4096, network(id), System::nanoTime, id);
        hosts.put(id, host);
        machines.put(id, new ConcurrentHashMap<>());
        return host;
    }

    private void createEverywhere(long group) throws Exception {
        createEverywhere(group, Counter::new);
    }

    private void createEverywhere(long group, Supplier<Counter> machine) throws Exception {
        for (long id = 1; id <= 3; id++) {
            Counter counter = machine.get();
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

    /** Holds back the completions of a node's log writes while closed, as a disk stalled in fsync would. */
    private static final class StalledDisk implements java.util.concurrent.Executor {
        private final java.util.concurrent.Executor disk;
        private final List<Runnable> held = new ArrayList<>();
        private boolean stalled;

        StalledDisk(java.util.concurrent.Executor disk) {
            this.disk = disk;
        }

        @Override
        public synchronized void execute(Runnable write) {
            if (stalled) {
                held.add(write);
            } else {
                disk.execute(write);
            }
        }

        synchronized void stall() {
            stalled = true;
        }

        synchronized void recover() {
            stalled = false;
            held.forEach(disk::execute);
            held.clear();
        }
    }

    /**
     * Followers whose disks stall in the middle of a write still answer heartbeats, so the leader
     * keeps its leadership and its term: a slow fsync must not look like a dead follower. (Before,
     * their answers waited for the write, and the leader stepped down by CheckQuorum.)
     */
    @Test
    void aLeaderKeepsItsPlaceWhileItsFollowersDisksStall() throws Exception {
        Map<Long, StalledDisk> disks = new ConcurrentHashMap<>();
        for (long id = 1; id <= 3; id++) {
            startHost(id);
            StalledDisk disk = new StalledDisk(fsync);
            disks.put(id, disk);
            Config config = Config.of(id).withTimeouts(Duration.ofMillis(200).toNanos(),
                    Duration.ofMillis(20).toNanos(), Duration.ofMillis(20).toNanos());
            hosts.get(id).createGroup(9, config, new MemoryGroupLog(MEMBERS, disk), new Counter()).get(5, TimeUnit.SECONDS);
        }
        long leader = leaderOf(9);
        hosts.get(leader).propose(9, new byte[] {1}).get(10, TimeUnit.SECONDS);
        long term = hosts.get(leader).inspect(9, Raft::term).get(5, TimeUnit.SECONDS);
        for (long id = 1; id <= 3; id++) {
            if (id != leader) {
                disks.get(id).stall();
            }
        }
        // The followers take this write in and never finish it while their disks stall.
        CompletableFuture<Committed> stuck = hosts.get(leader).propose(9, new byte[] {2});
        // Ten election timeouts: CheckQuorum would have deposed the leader several times over.
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_000);
        while (System.nanoTime() < until) {
            assertEquals(Role.LEADER, hosts.get(leader).inspect(9, Raft::role).get(5, TimeUnit.SECONDS),
                    "node " + leader + " lost its leadership while its followers' disks stalled");
            Thread.sleep(20);
        }
        assertEquals(term, hosts.get(leader).inspect(9, Raft::term).get(5, TimeUnit.SECONDS), "no election happened");
        assertTrue(!stuck.isDone(), "nothing commits while no follower can finish a write");
        disks.values().forEach(StalledDisk::recover);
        assertTrue(stuck.get(10, TimeUnit.SECONDS).index() > 0);

        // The leader's own disk stalls: its heartbeats go on, so no follower starts an election.
        disks.get(leader).stall();
        CompletableFuture<Committed> held = hosts.get(leader).propose(9, new byte[] {3});
        until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_000);
        while (System.nanoTime() < until) {
            assertEquals(Role.LEADER, hosts.get(leader).inspect(9, Raft::role).get(5, TimeUnit.SECONDS),
                    "node " + leader + " lost its leadership while its own disk stalled");
            Thread.sleep(20);
        }
        assertEquals(term, hosts.get(leader).inspect(9, Raft::term).get(5, TimeUnit.SECONDS), "no election happened");
        disks.get(leader).recover();
        assertTrue(held.get(10, TimeUnit.SECONDS).index() > 0);
    }

    /** Clients filling a worker's queue neither delay nor drop heartbeats and votes: they have a lane of their own. */
    /**
     * A peer that falls silent has its connection replaced, so that what was sent into the
     * silence cannot arrive late (over TCP, after a heal, on the kernel's retransmission back-off).
     */
    @Test
    void aPeerThatFallsSilentHasItsConnectionReplaced() throws Exception {
        long liveness = Duration.ofSeconds(1).toNanos();
        for (long id = 1; id <= 3; id++) {
            hosts.put(id, new RaftHost(id, 1, 4096, network(id), System::nanoTime, id, liveness));
            machines.put(id, new ConcurrentHashMap<>());
        }
        createEverywhere(4);
        long leader = leaderOf(4);
        hosts.get(leader).propose(4, new byte[] {1}).get(10, TimeUnit.SECONDS);
        assertEquals(List.of(), replacedConnections, "nobody fell silent yet");
        long silent = 3;
        // Only a node that was heard from can fall silent: wait until the pings have gone round.
        awaitTrue("every node hears node " + silent, () -> hosts.get(1L).counts(silent) && hosts.get(2L).counts(silent));
        cut.add(silent);
        // Whoever talked to it (a leader, or the followers of a leader it was) gives its connection up.
        awaitTrue("a node replaces its connection to node " + silent,
                () -> replacedConnections.stream().anyMatch(c -> c.endsWith("->" + silent) && !c.startsWith(silent + "->")));
        assertTrue(replacedConnections.stream().allMatch(c -> c.endsWith("->" + silent) || c.startsWith(silent + "->")),
                "only connections to or from the silent node: " + replacedConnections);
    }

    @Test
    void leadershipTrafficHasALaneClientsCannotFill() throws Exception {
        RaftHost host = new RaftHost(1, 1, 16, network(1), System::nanoTime, 1);
        hosts.put(1L, host);
        Config config = Config.of(1).withTimeouts(Duration.ofMillis(200).toNanos(),
                Duration.ofMillis(20).toNanos(), Duration.ofMillis(20).toNanos());
        host.createGroup(5, config, new MemoryGroupLog(MEMBERS, fsync), new Counter()).get(5, TimeUnit.SECONDS);
        host.pause();
        try {
            int refused = 0;
            for (int i = 0; i < 64; i++) {
                CompletableFuture<Committed> p = host.propose(5, new byte[] {(byte) i});
                refused += p.isCompletedExceptionally() ? 1 : 0;
            }
            assertTrue(refused > 0, "the clients' queue filled up");
            assertTrue(host.deliver(5, new Message.Heartbeat(2, 1, 1, 0, 1)), "a heartbeat still gets in");
            assertTrue(host.deliver(5, new Message.VoteRequest(2, 1, 2, true, 0, 0, false)), "so does a pre-vote");
            assertTrue(!host.deliver(5, new Message.AppendResponse(2, 1, 1, false, 0, 0, 0, 1)),
                    "replication waits its turn with the clients");
        } finally {
            host.resume();
        }
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
        RaftHost host = new RaftHost(1, 1, 1024, network(1), System::nanoTime, 1);
        hosts.put(1L, host);
        Membership single = Membership.of(Set.of(1L), Set.of());
        StateMachine broken = new Counter() {
            @Override
            public Object apply(Entry entry) {
                if (entry.payload() instanceof Payload.Command) {
                    throw new IllegalStateException("state machine bug");
                }
                return null;
            }
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
    void aFollowerBehindTheCompactedLogCatchesUpFromAStreamedSnapshot() throws Exception {
        for (long id = 1; id <= 3; id++) {
            startHost(id);
        }
        createEverywhere(5);
        long leader = leaderOf(5);
        long behind = leader == 3 ? 2 : 3;
        cut.add(behind);
        for (int i = 0; i < 40; i++) {
            hosts.get(leader).propose(5, new byte[] {(byte) i}).get(10, TimeUnit.SECONDS);
        }
        SnapshotMeta compacted = hosts.get(leader).compact(5).get(10, TimeUnit.SECONDS);
        assertTrue(compacted.index() >= 41, "compacted past the 40 commands: " + compacted);
        assertEquals(compacted.index() + 1, hosts.get(leader).inspect(5, Raft::firstIndex).get(5, TimeUnit.SECONDS));
        cut.clear();
        hosts.get(leader).propose(5, new byte[] {99}).get(10, TimeUnit.SECONDS);
        Counter follower = machines.get(behind).get(5L);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (hosts.get(behind).inspect(5, r -> r.committed()).get(5, TimeUnit.SECONDS) < compacted.index() + 1
                || follower.commands.get() != 41) {
            assertTrue(System.nanoTime() < deadline, "the follower never caught up: " + follower.commands.get());
            Thread.onSpinWait();
        }
        assertTrue(hosts.get(behind).inspect(5, Raft::firstIndex).get(5, TimeUnit.SECONDS) > 1,
                "it caught up from the snapshot, not from the log");
    }

    /**
     * A compaction asked for right after a leader's snapshot reached a follower, before the follower
     * handed it to its log: the core then knows no term below the snapshot, and the compaction must
     * find nothing to do rather than fail (it stopped the follower's group: found by the network
     * tests, a follower cut off and healed while its node compacted every second). The follower's
     * host is paused so that both arrive in one round of its loop, in that order.
     */
    @Test
    void aCompactionAskedForWhileALeadersSnapshotArrivesFindsNothingToDo() throws Exception {
        for (long id = 1; id <= 3; id++) {
            startHost(id);
        }
        createEverywhere(6);
        long leader = leaderOf(6);
        long behind = leader == 3 ? 2 : 3;
        long before = 0;
        for (int i = 0; i < 3; i++) {
            before = hosts.get(leader).propose(6, new byte[] {(byte) i}).get(10, TimeUnit.SECONDS).index();
        }
        long applied = before;
        awaitTrue("the follower applied the first commands", () -> machines.get(behind).get(6L).commands.get() == 3
                && hosts.get(behind).inspect(6, Raft::committed).get(5, TimeUnit.SECONDS) >= applied);
        cut.add(behind);
        for (int i = 0; i < 40; i++) {
            hosts.get(leader).propose(6, new byte[] {(byte) i}).get(10, TimeUnit.SECONDS);
        }
        SnapshotMeta compacted = hosts.get(leader).compact(6).get(10, TimeUnit.SECONDS);
        int delivered = snapshotsDelivered.get();
        beforeSnapshotCompletes = () -> hosts.get(behind).pause();
        try {
            // Back on the network, it is sent a snapshot (the leader's log no longer holds what it needs).
            cut.clear();
            hosts.get(leader).propose(6, new byte[] {99}).get(10, TimeUnit.SECONDS);
            awaitTrue("the snapshot reached the paused follower", () -> snapshotsDelivered.get() > delivered);
            CompletableFuture<SnapshotMeta> compaction = hosts.get(behind).compact(6);
            hosts.get(behind).resume();
            SnapshotMeta result = compaction.get(10, TimeUnit.SECONDS);
            assertTrue(result.index() < compacted.index(), "nothing compacted while the snapshot came in: " + result);
        } finally {
            beforeSnapshotCompletes = () -> { };
            hosts.get(behind).resume();
        }
        hosts.get(leader).propose(6, new byte[] {100}).get(10, TimeUnit.SECONDS);
        awaitTrue("the follower installed the snapshot and caught up",
                () -> hosts.get(behind).failure(6).isEmpty() && machines.get(behind).get(6L).commands.get() == 45);
        assertTrue(hosts.get(behind).failure(6).isEmpty(), "the follower's group goes on");
    }

    private static void awaitTrue(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.call()) {
            assertTrue(System.nanoTime() < deadline, what + ": not within 20 s");
            Thread.onSpinWait();
        }
    }

    /**
     * The leader's image cannot be read for a while (held at a gate): the save runs off the group's
     * thread, so meanwhile the leader goes on heartbeating, committing and serving reads for many
     * election timeouts without losing its term; a second compaction asked for meanwhile gets the
     * first one's result; once the image is read, the log is compacted to it. Saved on the group's
     * thread, as before, the first proposal here would time out and the leadership go.
     */
    @Test
    void aGroupKeepsLeadingCommittingAndReadingWhileItsImageIsSaved() throws Exception {
        for (long id = 1; id <= 3; id++) {
            startHost(id);
        }
        createEverywhere(4, GatedCounter::new);
        long leader = leaderOf(4);
        RaftHost host = hosts.get(leader);
        GatedCounter machine = (GatedCounter) machines.get(leader).get(4L);
        long lastApplied = 0;
        for (int i = 0; i < 10; i++) {
            lastApplied = host.propose(4, new byte[] {(byte) i}).get(10, TimeUnit.SECONDS).index();
        }
        long term = host.inspect(4, Raft::term).get(5, TimeUnit.SECONDS);
        CompletableFuture<SnapshotMeta> compaction = host.compact(4);
        assertTrue(machine.reading.await(10, TimeUnit.SECONDS), "the image save never started");
        CompletableFuture<SnapshotMeta> second = host.compact(4);

        long committed = 10;
        try {
            // Ten election timeouts of work while the image is held: every proposal commits and every read answers.
            long until = System.nanoTime() + Duration.ofMillis(2_000).toNanos();
            while (System.nanoTime() < until) {
                host.propose(4, new byte[] {1}).get(5, TimeUnit.SECONDS);
                committed++;
                assertEquals(committed, host.read(4, machine.commands::get).get(5, TimeUnit.SECONDS));
            }
            assertEquals(term, host.inspect(4, Raft::term).get(5, TimeUnit.SECONDS), "the leader kept its term");
            assertEquals(Role.LEADER, host.inspect(4, Raft::role).get(5, TimeUnit.SECONDS));
            assertFalse(compaction.isDone(), "the image is still held at the gate");
        } finally {
            // Whatever failed above, the worker must not be left to wait at the gate for ever.
            machine.gate.countDown();
        }
        SnapshotMeta compacted = compaction.get(10, TimeUnit.SECONDS);
        assertEquals(compacted, second.get(10, TimeUnit.SECONDS), "the second request got the running one's result");
        assertEquals(lastApplied, compacted.index(), "compacted to what was applied when it started");
        assertEquals(compacted.index() + 1, host.inspect(4, Raft::firstIndex).get(5, TimeUnit.SECONDS));
        System.out.println("host: " + (committed - 10) + " commands committed and read while the image at "
                + compacted.index() + " was held");
    }

    /**
     * A group removed while its image is being written: the compaction fails as STOPPED, saying
     * so, and the image writer, once it can go on, stops and leaves no file in the images directory.
     */
    @Test
    void removingAGroupWhileItsImageIsWrittenFailsTheCompactionAndLeavesNoFile() throws Exception {
        Path directory = Files.createTempDirectory("flotilla-host-images-");
        DiskLogs logs = DiskLogs.open(group -> directory.resolve("group-" + group), "test-log");
        try {
            RaftHost host = startHost(1);
            GatedCounter machine = new GatedCounter();
            host.createGroup(3, Config.of(1), logs.open(3, Membership.of(Set.of(1L), Set.of())), machine)
                    .get(5, TimeUnit.SECONDS);
            proposeWhenLeader(host, 3).get(10, TimeUnit.SECONDS);
            CompletableFuture<SnapshotMeta> compaction = host.compact(3);
            assertTrue(machine.reading.await(10, TimeUnit.SECONDS), "the image save never started");
            Path images = directory.resolve("group-3").resolve("images");
            try (Stream<Path> files = Files.list(images)) {
                assertEquals(1, files.count(), "the partial image is being written");
            }

            try {
                host.removeGroup(3).get(5, TimeUnit.SECONDS);
                ExecutionException e = assertThrows(ExecutionException.class, () -> compaction.get(5, TimeUnit.SECONDS));
                GroupUnavailableException stopped = assertInstanceOf(GroupUnavailableException.class, e.getCause());
                assertEquals(GroupUnavailableException.Reason.STOPPED, stopped.reason());
                assertTrue(stopped.getMessage().contains("abandoned while its image was being saved"), stopped.getMessage());
            } finally {
                machine.gate.countDown();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (fileCount(images) > 0) {
                assertTrue(System.nanoTime() < deadline, "the abandoned image stayed: " + fileCount(images));
                Thread.onSpinWait();
            }
        } finally {
            hosts.values().forEach(RaftHost::close);
            hosts.clear();
            // Joins the image writer: nothing it does afterwards can leave a file either.
            logs.close();
        }
        assertEquals(0, fileCount(directory.resolve("group-3").resolve("images")));
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static long fileCount(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.count();
        }
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
