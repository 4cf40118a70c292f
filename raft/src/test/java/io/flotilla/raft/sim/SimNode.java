package io.flotilla.raft.sim;

import io.flotilla.raft.core.CommitHold;
import io.flotilla.raft.core.Config;
import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.Message;
import io.flotilla.raft.core.Proposal;
import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.Refusal;
import io.flotilla.raft.core.ReadState;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.core.SnapshotTransfer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The host of one simulated replica: it feeds the core, persists its Readies with a simulated fsync
 * delay, sends its messages through the simulated network, applies committed entries to a
 * {@link KvStore} and answers clients. A crash throws away everything but {@link SimStorage}.
 */
final class SimNode {

    private record PendingWrite(long term, ClientOp op) {
    }

    private record StagedSnapshot(KvStore.Image image, long chainHash) {
    }

    final long id;
    private final Simulation sim;
    private final Config config;
    final SimStorage storage;
    private final SplittableRandom random;

    private boolean up;
    private int incarnation;
    private DriftingClock clock;
    private Raft raft;
    private KvStore store;
    private boolean persisting;
    private final Map<Long, PendingWrite> writes = new HashMap<>();
    private final Map<Long, ClientOp> reads = new HashMap<>();
    private final List<ReadState> confirmedReads = new ArrayList<>();
    private final Map<SnapshotMeta, StagedSnapshot> staged = new HashMap<>();
    /** Compact the log once it holds this many entries past the snapshot. */
    private final long compactionThreshold;
    private Simulation.Scheduled timer;
    private long timerAt;
    /** Whether the core may quiesce, leaning on this node's liveness view of the others. */
    private final boolean quiesce;
    /** When each other node was last heard from, on this node's clock; emptied by a crash. */
    private final Map<Long, Long> lastHeard = new HashMap<>();
    private final java.util.Set<Long> live = new java.util.HashSet<>();
    private boolean wasQuiesced;

    SimNode(long id, Simulation sim, Config config, SimStorage storage, SplittableRandom random, boolean quiesce) {
        this.quiesce = quiesce;
        this.id = id;
        this.sim = sim;
        this.config = config;
        this.storage = storage;
        this.random = random;
        this.compactionThreshold = random.nextLong(8, 200);
    }

    boolean up() {
        return up;
    }

    Raft raft() {
        return raft;
    }

    DriftingClock clock() {
        return clock;
    }

    void start(double clockRate) {
        up = true;
        incarnation++;
        clock = new DriftingClock(sim::now, sim.now(), clockRate);
        store = new KvStore(storage.snapshotImage());
        lastHeard.clear();
        live.clear();
        wasQuiesced = false;
        raft = new Raft(config.withApplied(store.applied()), storage, clock, random.split(), quiesce ? this::isLive : null);
        armTimer();
    }

    void crash() {
        up = false;
        raft = null;
        store = null;
        clock = null;
        persisting = false;
        writes.clear();
        reads.clear();
        confirmedReads.clear();
        staged.clear();
        if (timer != null) {
            timer.cancelled = true;
            timer = null;
        }
    }

    // ------------------------------------------------------------------ node liveness

    /** A message or a ping from {@code node} arrived. */
    void heard(long node) {
        if (up) {
            lastHeard.put(node, clock.getAsLong());
            live.add(node);
        }
    }

    boolean isLive(long node) {
        Long at = lastHeard.get(node);
        return node == id || (at != null && clock.getAsLong() - at < Simulation.ELECTION_TIMEOUT);
    }

    /** Wakes the group when the node it quiesced under stops being live, as the host does. */
    void checkLiveness() {
        if (!up) {
            return;
        }
        for (java.util.Iterator<Long> it = live.iterator(); it.hasNext(); ) {
            long node = it.next();
            if (!isLive(node)) {
                it.remove();
                if (raft.quiesced() && raft.leader() == node) {
                    raft.wake();
                    afterInput();
                }
            }
        }
    }

    /** Ticks the core exactly when its next timer is due, as a host that sleeps between timers would. */
    private void armTimer() {
        long at = raft.nextTimerAt();
        if (timer != null && timerAt == at) {
            return;
        }
        if (timer != null) {
            timer.cancelled = true;
            timer = null;
        }
        if (at == Long.MAX_VALUE) {
            // Quiesced: no timer until something wakes the core.
            timerAt = at;
            return;
        }
        int inc = incarnation;
        timerAt = at;
        timer = sim.schedule(clock.realDelayUntil(at), () -> {
            if (up && incarnation == inc) {
                timer = null;
                raft.tick();
                afterInput();
            }
        });
    }

    // ------------------------------------------------------------------ inputs

    void receive(Message m) {
        if (!up) {
            return;
        }
        if (quiesce) {
            heard(m.from());
        }
        raft.step(m);
        afterInput();
    }

    void receiveSnapshot(Message.InstallSnapshot m, KvStore.Image image, long chainHash) {
        if (!up) {
            return;
        }
        staged.put(m.snapshot(), new StagedSnapshot(image, chainHash));
        raft.step(m);
        afterInput();
    }

    /**
     * A client request arrives, directly or forwarded by another node; at a node that is down it is
     * lost and the client times out. A node that does not lead forwards to the leader it knows of.
     */
    void clientRequest(ClientOp op, int hops) {
        if (!up) {
            return;
        }
        Proposal.Refused refused;
        if (op.kind == ClientOp.Kind.GET) {
            long requestId = sim.nextRequestId();
            refused = raft.read(requestId).orElse(null);
            if (refused == null) {
                reads.put(requestId, op);
            }
        } else {
            Proposal p = raft.propose(op.command().encode());
            refused = p instanceof Proposal.Refused r ? r : null;
            if (p instanceof Proposal.Appended a) {
                writes.put(a.index(), new PendingWrite(a.term(), op));
            }
        }
        if (refused != null) {
            long hint = refused.leaderHint();
            if (hint != 0 && hint != id && hops < 3) {
                sim.forward(op, hint, hops + 1);
            } else {
                sim.reply(op, false, 0, hint);
            }
        }
        afterInput();
    }

    void changeMembership(io.flotilla.raft.core.Membership target) {
        if (up) {
            raft.changeMembership(target);
            afterInput();
        }
    }

    /** Refused when the node is down or does not lead. */
    CommitHold holdCommits(long durationNanos) {
        if (!up) {
            return new CommitHold.Refused(Refusal.NOT_LEADER, 0);
        }
        CommitHold hold = raft.holdCommits(durationNanos);
        afterInput();
        return hold;
    }

    void releaseCommits(CommitHold.Held hold) {
        if (up) {
            raft.releaseCommits(hold.term(), hold.id());
            afterInput();
        }
    }

    void transferLeadership(long target) {
        if (up) {
            raft.transferLeadership(target);
            afterInput();
        }
    }

    void setClockRate(double rate) {
        if (up) {
            clock.setRate(rate);
            if (timer != null) {
                timer.cancelled = true;
                timer = null;
            }
            timerAt = Long.MIN_VALUE;
            armTimer();
        }
    }

    /** Snapshots the state machine and drops the log up to it, as a host does to bound its disk. */
    void compact() {
        if (up && store.applied() > storage.snapshot().index()) {
            storage.compact(store.image());
        }
    }

    // ------------------------------------------------------------------ outputs

    private void afterInput() {
        sim.oracle().observe(id, raft);
        if (raft.quiesced() && !wasQuiesced) {
            sim.quiesceEvents++;
        }
        wasQuiesced = raft.quiesced();
        armTimer();
        if (persisting) {
            // As the real host does: liveness traffic does not wait for the write in flight.
            for (Message m : raft.takeLivenessMessages()) {
                sim.send(m);
            }
            return;
        }
        if (!raft.hasReady()) {
            return;
        }
        Ready ready = raft.ready();
        persisting = true;
        for (Message m : ready.eager()) {
            // As the real host does: a leader's appends leave while its own fsync runs.
            sim.send(m);
        }
        int inc = incarnation;
        long fsync = ready.mustPersist() ? random.nextLong(20_000, 2_000_000) : 0;
        sim.schedule(fsync, () -> {
            if (up && incarnation == inc) {
                handle(ready);
            }
        });
    }

    private void handle(Ready ready) {
        StagedSnapshot snapshot = null;
        if (ready.snapshot() != null) {
            snapshot = staged.remove(ready.snapshot());
            if (snapshot == null) {
                throw new IllegalStateException("core installed a snapshot the host never received: " + ready.snapshot());
            }
            store = new KvStore(snapshot.image());
        }
        storage.persist(ready, snapshot == null ? null : snapshot.image(), snapshot == null ? 0 : snapshot.chainHash(),
                sim.oracle(), id);
        for (Message m : ready.messages()) {
            sim.send(m);
        }
        for (SnapshotTransfer t : ready.snapshotTransfers()) {
            sendSnapshot(t);
        }
        for (Entry e : ready.committed()) {
            apply(e);
        }
        confirmedReads.addAll(ready.reads());
        serveReads();
        for (long requestId : ready.abandonedReads()) {
            ClientOp op = reads.remove(requestId);
            if (op != null) {
                sim.reply(op, false, 0, raft.leader());
            }
        }
        raft.advance(ready);
        persisting = false;
        if (storage.lastIndex() - storage.snapshot().index() > compactionThreshold) {
            compact();
        }
        afterInput();
    }

    private void apply(Entry e) {
        boolean result = store.apply(e);
        sim.oracle().applied(id, e);
        PendingWrite w = writes.remove(e.index());
        if (w != null) {
            // Another entry at our index means ours was overwritten: certainly not applied.
            boolean ours = w.term() == e.term();
            sim.reply(w.op(), ours, ours && result ? 1 : 0, raft.leader());
        }
    }

    private void serveReads() {
        for (Iterator<ReadState> it = confirmedReads.iterator(); it.hasNext(); ) {
            ReadState rs = it.next();
            if (rs.index() <= store.applied()) {
                it.remove();
                ClientOp op = reads.remove(rs.requestId());
                if (op != null) {
                    sim.reply(op, true, store.get(op.key), id);
                }
            }
        }
    }

    private void sendSnapshot(SnapshotTransfer t) {
        KvStore.Image image = store.image();
        long chain = storage.chainHash(image.meta().index());
        var m = new Message.InstallSnapshot(id, t.to(), t.term(), image.meta(), 0);
        sim.sendSnapshot(m, image, chain);
    }
}
