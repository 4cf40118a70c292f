package io.flotilla.raft.core;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Raft cores wired together in memory, driven step by step on one shared manual clock: for
 * scenario tests that need to put the group in an exact state, and for benchmarks of the core
 * alone. Readies are persisted and delivered synchronously; links can be cut by a predicate.
 */
public final class LocalCluster {

    private final TreeMap<Long, Raft> nodes = new TreeMap<>();
    private final TreeMap<Long, MemoryStorage> storages = new TreeMap<>();
    private final Map<Long, List<Entry>> applied = new TreeMap<>();
    private final Map<Long, List<ReadState>> reads = new TreeMap<>();
    private final ArrayDeque<Message> inFlight = new ArrayDeque<>();
    private final List<SnapshotTransfer> transfers = new ArrayList<>();
    private final Map<Long, Long> sentTo = new TreeMap<>();
    private final Set<Long> down = new HashSet<>();
    private final SplittableRandom random;
    private final Config template;
    private Predicate<Message> dropIf = m -> false;
    private long now;
    private long messagesSent;
    /** Whether replicas quiesce; a node counts as live to the others while it is not stopped. */
    private boolean quiesce;

    public LocalCluster(int voters, long seed) {
        this(voters, seed, Config.of(1).withTimeouts(100, 10, 10));
    }

    public LocalCluster(int voters, long seed, Config template) {
        this(voters, seed, template, false);
    }

    /** A group whose replicas quiesce when idle, with a liveness view in which stopped nodes are dead. */
    public static LocalCluster quiescent(int voters, long seed) {
        return new LocalCluster(voters, seed, Config.of(1).withTimeouts(100, 10, 10), true);
    }

    private LocalCluster(int voters, long seed, Config template, boolean quiesce) {
        this.random = new SplittableRandom(seed);
        this.template = template;
        this.quiesce = quiesce;
        List<Long> ids = new ArrayList<>();
        for (long id = 1; id <= voters; id++) {
            ids.add(id);
        }
        Membership membership = Membership.of(ids, List.of());
        for (long id : ids) {
            add(id, membership);
        }
    }

    /** Adds a node that starts from the given membership (EMPTY for a node about to join). */
    public Raft add(long id, Membership membership) {
        MemoryStorage storage = new MemoryStorage(SnapshotMeta.bootstrap(membership));
        storages.put(id, storage);
        Raft raft = newReplica(id, storage);
        nodes.put(id, raft);
        applied.put(id, new ArrayList<>());
        reads.put(id, new ArrayList<>());
        return raft;
    }

    private Raft newReplica(long id, MemoryStorage storage) {
        Liveness liveness = quiesce ? node -> !down.contains(node) : null;
        return new Raft(template.withId(id), storage, () -> now, random.split(), liveness);
    }

    /**
     * The node crashes and starts again from its storage (which holds everything it persisted, as
     * every Ready is persisted when it is handed out). Returns the new replica.
     */
    public Raft restart(long id) {
        Raft raft = newReplica(id, storages.get(id));
        nodes.put(id, raft);
        down.remove(id);
        return raft;
    }

    /** Messages handed out by every replica so far. */
    public long messagesSent() {
        return messagesSent;
    }

    public Raft node(long id) {
        return nodes.get(id);
    }

    public MemoryStorage storage(long id) {
        return storages.get(id);
    }

    public List<Entry> applied(long id) {
        return applied.get(id);
    }

    public List<ReadState> reads(long id) {
        return reads.get(id);
    }

    public long now() {
        return now;
    }

    /** Messages matching this are lost; replaces any earlier rule. */
    public void dropIf(Predicate<Message> rule) {
        this.dropIf = rule;
    }

    public void heal() {
        dropIf = m -> false;
    }

    /** A stopped node neither receives nor ticks; its state is kept (a pause, not a crash). */
    public void stop(long id) {
        down.add(id);
    }

    public void resume(long id) {
        down.remove(id);
    }

    /** Moves the clock and ticks every running node. */
    public void advance(long duration) {
        now += duration;
        for (var e : nodes.entrySet()) {
            if (!down.contains(e.getKey())) {
                e.getValue().tick();
            }
        }
        deliverAll();
    }

    /** Advances in small steps until the predicate holds; fails after the limit. */
    public void advanceUntil(java.util.function.BooleanSupplier done, long step, long limit) {
        long start = now;
        deliverAll();
        while (!done.getAsBoolean()) {
            if (now - start > limit) {
                throw new AssertionError("condition not reached within " + limit + " time units");
            }
            advance(step);
        }
    }

    /** Processes every Ready and delivers every message until the cluster is quiet. */
    public void deliverAll() {
        boolean progress = true;
        while (progress) {
            progress = false;
            for (var e : nodes.entrySet()) {
                Raft raft = e.getValue();
                if (!down.contains(e.getKey()) && raft.hasReady()) {
                    Ready ready = raft.ready();
                    storages.get(e.getKey()).persist(ready);
                    inFlight.addAll(ready.eager());
                    inFlight.addAll(ready.messages());
                    messagesSent += ready.eager().size() + ready.messages().size();
                    for (Message m : ready.eager()) {
                        if (m instanceof Message.Append) {
                            sentTo.merge(m.to(), 1L, Long::sum);
                        }
                    }
                    for (SnapshotTransfer t : ready.snapshotTransfers()) {
                        transfers.add(t);
                    }
                    applied.get(e.getKey()).addAll(ready.committed());
                    reads.get(e.getKey()).addAll(ready.reads());
                    raft.advance(ready);
                    progress = true;
                }
            }
            while (!inFlight.isEmpty()) {
                Message m = inFlight.poll();
                progress = true;
                if (!down.contains(m.to()) && nodes.containsKey(m.to()) && !dropIf.test(m)) {
                    nodes.get(m.to()).step(m);
                }
            }
        }
    }

    /**
     * Compacts every node's log up to what it has applied and forgets the applied entries, so a
     * long benchmark runs in constant memory.
     */
    public void compactAll() {
        for (var e : nodes.entrySet()) {
            Raft raft = e.getValue();
            List<Entry> done = applied.get(e.getKey());
            if (!done.isEmpty()) {
                Entry last = done.get(done.size() - 1);
                storages.get(e.getKey()).compact(new SnapshotMeta(last.index(), last.term(), raft.membership()));
                done.clear();
            }
        }
    }

    /** Appends sent to a node so far. */
    public long appendsSentTo(long id) {
        return sentTo.getOrDefault(id, 0L);
    }

    /** Snapshot transfers the leader asked for and nobody has carried out yet. */
    public List<SnapshotTransfer> pendingSnapshotTransfers() {
        return List.copyOf(transfers);
    }

    /**
     * Carries out the pending transfers from {@code leader}: the snapshot is the leader's latest
     * compaction point, as a host without a live state machine would send.
     */
    public void completeSnapshotTransfers(long leader) {
        List<SnapshotTransfer> todo = List.copyOf(transfers);
        transfers.clear();
        for (SnapshotTransfer t : todo) {
            SnapshotMeta meta = storages.get(leader).snapshot();
            nodes.get(t.to()).step(new Message.InstallSnapshot(leader, t.to(), t.term(), meta, 0));
            nodes.get(leader).reportSnapshot(t.to(), true);
        }
        deliverAll();
    }

    /** Runs until some node leads, and returns it. */
    public Raft electLeader() {
        advanceUntil(() -> leader() != null, 1, 10_000);
        return leader();
    }

    /** The leader of the highest term among running nodes, or null. */
    public Raft leader() {
        Raft best = null;
        for (var e : nodes.entrySet()) {
            Raft r = e.getValue();
            if (!down.contains(e.getKey()) && r.role() == Role.LEADER && (best == null || r.term() > best.term())) {
                best = r;
            }
        }
        return best;
    }
}
