package io.flotilla.raft.sim;

import io.flotilla.raft.core.CommitHold;
import io.flotilla.raft.core.Config;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Message;
import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.Role;
import io.flotilla.raft.core.SnapshotMeta;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A deterministic, seeded run of a Raft group in virtual time. Every source of nondeterminism —
 * latencies, drops, clock rates, election jitter, faults, client choices — comes from one seeded
 * generator, and events run one at a time in (time, sequence) order, so a seed replays exactly.
 *
 * <p>A nemesis keeps breaking things: partitions (symmetric, one-way, bridge, isolate the leader),
 * crashes that lose unpersisted state and restarts, clock rate changes within the drift bound,
 * membership changes (learners added, promoted, voters and leaders removed), leadership transfers
 * and log compaction (which sends lagging followers to snapshots). The {@link Oracle} checks the
 * safety properties after every step; at the end the client history is checked for linearizability.
 */
public final class Simulation {

    static final long MS = 1_000_000L;
    static final long ELECTION_TIMEOUT = 100 * MS;
    static final long HEARTBEAT_INTERVAL = 20 * MS;
    /**
     * Clocks run at 1 ± ε, far worse than real clocks, so that lease bugs have room to show. A
     * follower refuses votes for ET on its clock, at least ET/(1+ε) of real time; a lease of L on
     * the leader's clock lasts at most L/(1-ε). Safety needs L ≤ ET·(1-ε)/(1+ε) = 66.7 ms, so the
     * configured drift bound (ET - L) must be at least 33.3 ms.
     */
    static final double MAX_RATE_ERROR = 0.2;
    static final long MAX_CLOCK_DRIFT = 34 * MS;
    private static final int MAX_NODES = 7;
    private static final String[] KEYS = {"x", "y", "z"};

    static final class Scheduled {
        final long at;
        final long seq;
        final Runnable action;
        boolean cancelled;

        Scheduled(long at, long seq, Runnable action) {
            this.at = at;
            this.seq = seq;
            this.action = action;
        }
    }

    private final SimulationConfig settings;
    private final SplittableRandom random;
    /** Commit holds the nemesis took and has not released: the leader node, and the hold. */
    private final List<Map.Entry<Long, CommitHold.Held>> commitHolds = new ArrayList<>();
    private final PriorityQueue<Scheduled> queue = new PriorityQueue<>((a, b) ->
            a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private final Map<Long, SimNode> nodes = new TreeMap<>();
    private final SimNetwork network;
    private final Oracle oracle = new Oracle();
    private final List<SimClient> clients = new ArrayList<>();
    private final List<ClientOp> history = new ArrayList<>();
    private final Config baseConfig;
    private final double nemesisRate;
    /**
     * A third of the seeds run with quiescence: idle groups stop heartbeating and nodes ping each
     * other instead, and clients pause now and then so the group goes idle. Decided from the seed
     * without drawing from {@code random}, so the other seeds replay exactly as before.
     */
    final boolean quiesce;
    private final SplittableRandom idleness;
    long quiesceEvents;
    private long now;
    private long seq;
    private long steps;
    private long requestIds;
    private long opIds;
    /** Leaders still to be crashed right after their election (the ambush fault). */
    private int ambushes;
    private long lastLeaderSeen;
    private long lastLeaderTermSeen;
    private long commitAtElection;
    private Ambush ambush;
    /** The last few notable events (faults, leadership changes), printed when a seed is replayed. */
    private final java.util.ArrayDeque<String> journal = new java.util.ArrayDeque<>();
    private long journalLeader;
    private long journalTerm;
    /** A read-only phase of the workload: logs stop moving, so a cut-off follower can still win an election. */
    private boolean readOnly;

    public Simulation(SimulationConfig settings) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
        this.quiesce = Long.remainderUnsigned(settings.seed() * 0x9E3779B97F4A7C15L >>> 7, 3) == 0;
        this.idleness = new SplittableRandom(settings.seed() ^ 0x5DEECE66DL);
        this.network = new SimNetwork(random.split());
        this.nemesisRate = random.nextDouble(0.5, 2.0);
        Config c = Config.of(1)
                .withTimeouts(ELECTION_TIMEOUT, HEARTBEAT_INTERVAL, MAX_CLOCK_DRIFT)
                // Often one entry per message, so a follower can acknowledge an old entry before the new leader's own.
                .withFlowControl(random.nextInt(1, 8), random.nextLong(64, 4096),
                        random.nextInt(4) != 0 ? 1 : random.nextLong(24, 400))
                .withMaxTransferLag(random.nextLong(1, 50))
                .withDeliberateBugs(settings.bugs());
        this.baseConfig = c;
        int voters = random.nextInt(4) == 0 ? 5 : 3;
        Set<Long> ids = new TreeSet<>();
        for (long id = 1; id <= voters; id++) {
            ids.add(id);
        }
        Membership initial = Membership.of(ids, Set.of());
        for (long id : ids) {
            addNode(id, initial);
        }
        int clientCount = random.nextInt(2, 4);
        for (int i = 1; i <= clientCount; i++) {
            SimClient client = new SimClient(i);
            clients.add(client);
            schedule(random.nextLong(ELECTION_TIMEOUT), () -> nextOperation(client));
        }
        scheduleNemesis();
        if (quiesce) {
            schedulePings();
        }
    }

    public SimulationResult run() {
        try {
            while (steps < settings.steps() && oracle.violation() == null && !queue.isEmpty()) {
                Scheduled next = queue.poll();
                if (next.cancelled) {
                    continue;
                }
                now = next.at;
                steps++;
                oracle.at(steps, now);
                next.action.run();
                oracle.observeLeases(liveReplicas());
                noteLeadership();
                springAmbush();
            }
        } catch (RuntimeException e) {
            // An invariant the core or the host asserts (e.g. never overwrite a committed entry).
            oracle.fail("invariant", e + " at " + e.getStackTrace()[0]);
        }
        if (oracle.violation() == null) {
            Optional<String> nonLinearizable = HistoryCheck.check(history);
            nonLinearizable.ifPresent(detail -> oracle.fail("linearizability", detail));
        }
        long maxTerm = 0;
        long committed = 0;
        for (SimNode n : nodes.values()) {
            if (n.up()) {
                maxTerm = Math.max(maxTerm, n.raft().term());
                committed = Math.max(committed, n.raft().committed());
            }
        }
        int unknown = (int) history.stream().filter(op -> op.status == ClientOp.Status.UNKNOWN).count();
        return new SimulationResult(settings.seed(), steps, Optional.ofNullable(oracle.violation()), history.size(),
                unknown, maxTerm, committed, quiesce, quiesceEvents);
    }

    /** The journal of the run, oldest first: what happened before a violation. */
    public List<String> journal() {
        return List.copyOf(journal);
    }

    private void note(String event) {
        if (journal.size() == 200) {
            journal.removeFirst();
        }
        journal.addLast(String.format("t=%.3fms step %d: %s", now / 1e6, steps, event));
    }

    private void noteLeadership() {
        Optional<Long> leader = leader();
        long term = leader.map(l -> nodes.get(l).raft().term()).orElse(0L);
        if (leader.isPresent() && (leader.get() != journalLeader || term != journalTerm)) {
            journalLeader = leader.get();
            journalTerm = term;
            note("node " + journalLeader + " leads term " + term + " (commit " + nodes.get(journalLeader).raft().committed()
                    + ", last " + nodes.get(journalLeader).raft().lastIndex() + ")");
        }
    }

    // ------------------------------------------------------------------ services for nodes

    long now() {
        return now;
    }

    Oracle oracle() {
        return oracle;
    }

    long nextRequestId() {
        return ++requestIds;
    }

    Scheduled schedule(long delay, Runnable action) {
        Scheduled s = new Scheduled(now + Math.max(0, delay), seq++, action);
        queue.add(s);
        return s;
    }

    void send(Message m) {
        int copies = network.copies(m.from(), m.to());
        for (int i = 0; i < copies; i++) {
            schedule(network.latency(), () -> {
                SimNode target = nodes.get(m.to());
                // A link cut while the message was in flight loses it, as a real partition does.
                if (target != null && network.connected(m.from(), m.to())) {
                    target.receive(m);
                }
            });
        }
    }

    /** Snapshots stream on their own path: slower, and a failed transfer is reported to the leader. */
    void sendSnapshot(Message.InstallSnapshot m, KvStore.Image image, long chainHash) {
        boolean delivered = network.copies(m.from(), m.to()) > 0 && nodes.get(m.to()).up();
        long duration = network.latency() + random.nextLong(1 * MS, 30 * MS);
        schedule(duration, () -> {
            SimNode target = nodes.get(m.to());
            if (delivered && target.up()) {
                target.receiveSnapshot(m, image, chainHash);
            }
            SimNode leader = nodes.get(m.from());
            if (leader.up() && leader.raft().term() == m.term()) {
                leader.raft().reportSnapshot(m.to(), delivered && target.up());
            }
        });
    }

    /**
     * The node-liveness layer of quiescent seeds: every node pings every other node four times per
     * election timeout through the same faulty network as Raft's messages, then looks for lapses.
     */
    private void schedulePings() {
        schedule(ELECTION_TIMEOUT / 4, () -> {
            for (SimNode from : nodes.values()) {
                if (!from.up()) {
                    continue;
                }
                for (long to : nodes.keySet()) {
                    if (to != from.id && network.copies(from.id, to) > 0) {
                        schedule(network.latency(), () -> {
                            if (network.connected(from.id, to)) {
                                nodes.get(to).heard(from.id);
                            }
                        });
                    }
                }
                from.checkLiveness();
            }
            schedulePings();
        });
    }

    /** A node passes a client's request on to the leader it knows of. */
    void forward(ClientOp op, long to, int hops) {
        schedule(network.latency(), () -> nodes.get(to).clientRequest(op, hops));
    }

    /** A node answers a client; the answer may be lost on the way back. */
    void reply(ClientOp op, boolean ok, long output, long leaderHint) {
        boolean lost = random.nextDouble() < network.dropRate;
        schedule(network.latency(), () -> {
            if (op.status != ClientOp.Status.PENDING || lost) {
                return;
            }
            op.status = ok ? ClientOp.Status.OK : ClientOp.Status.FAILED;
            op.output = output;
            op.returnedAt = now;
            SimClient client = clients.get(op.client - 1);
            if (leaderHint != 0) {
                client.leaderHint = leaderHint;
            }
            finish(client, op);
        });
    }

    // ------------------------------------------------------------------ clients

    private void nextOperation(SimClient client) {
        String key = KEYS[random.nextInt(KEYS.length)];
        double roll = readOnly ? 0 : random.nextDouble();
        ClientOp.Kind kind = roll < 0.45 ? ClientOp.Kind.GET : roll < 0.75 ? ClientOp.Kind.PUT : ClientOp.Kind.CAS;
        long expected = 0;
        if (kind == ClientOp.Kind.CAS) {
            expected = guessValue(key);
        }
        ClientOp op = new ClientOp(client.id, ++opIds, kind, key, expected,
                kind == ClientOp.Kind.GET ? 0 : client.nextValue(), now);
        client.current = op;
        history.add(op);
        // Mostly the node the client believes leads; sometimes any node, which is how stale leaders get asked.
        long target = client.leaderHint != 0 && random.nextDouble() < 0.8 ? client.leaderHint : randomNode();
        schedule(network.latency(), () -> nodes.get(target).clientRequest(op, 0));
        client.timeout = schedule(3 * ELECTION_TIMEOUT, () -> {
            if (op.status == ClientOp.Status.PENDING) {
                op.status = ClientOp.Status.UNKNOWN;
                client.leaderHint = 0;
                finish(client, op);
            }
        });
    }

    /** A CAS expectation that is sometimes right: the last value some client saw for the key. */
    private long guessValue(String key) {
        for (int i = history.size() - 1; i >= Math.max(0, history.size() - 20); i--) {
            ClientOp op = history.get(i);
            if (op.key.equals(key) && op.status == ClientOp.Status.OK) {
                return op.kind == ClientOp.Kind.GET ? op.output : op.value;
            }
        }
        return 0;
    }

    private void finish(SimClient client, ClientOp op) {
        if (client.current == op) {
            client.current = null;
            client.timeout.cancelled = true;
            long pause = quiesce && idleness.nextInt(4) == 0
                    ? idleness.nextLong(ELECTION_TIMEOUT / 2, 5 * ELECTION_TIMEOUT)
                    : random.nextLong(0, 20 * MS);
            schedule(pause, () -> nextOperation(client));
        }
    }

    // ------------------------------------------------------------------ nemesis

    private void scheduleNemesis() {
        schedule((long) (random.nextLong(ELECTION_TIMEOUT / 2, 2 * ELECTION_TIMEOUT) / nemesisRate), () -> {
            strike();
            scheduleNemesis();
        });
    }

    private void strike() {
        int roll = random.nextInt(100);
        if (roll < 12) {
            note("heal all links");
            network.healAll();
        } else if (roll < 18) {
            symmetricPartition();
        } else if (roll < 23) {
            oneWayCuts();
        } else if (roll < 30) {
            bridge();
        } else if (roll < 35) {
            leader().ifPresent(this::isolate);
        } else if (roll < 44) {
            crashSomething();
        } else if (roll < 50) {
            restartSomething();
        } else if (roll < 55) {
            driftClocks();
        } else if (roll < 62) {
            readOnly = !readOnly;
            note(readOnly ? "workload turns read-only" : "workload writes again");
        } else if (roll < 70) {
            changeMembership();
        } else if (roll < 84) {
            // Crash or cut off the next few leaders within a round trip of their election: the window
            // in which a new leader has replicated old entries but none of its own term (figure 8).
            ambushes = random.nextInt(1, 7);
            note("ambush the next " + ambushes + " leaders");
        } else if (roll < 91) {
            transferLeadership();
        } else if (roll < 95) {
            holdOrReleaseCommits();
        } else {
            compactSomewhere();
        }
    }

    /** When an ambush strikes a new leader. */
    private enum Ambush {
        /** The instant it is elected: its first entry is persisted, but nobody hears of it. */
        AT_ELECTION,
        /** The instant its commit index first moves: it applied, its followers may not know. */
        AT_FIRST_COMMIT,
        /** A random moment within a few round trips, by crash or by isolation. */
        SOON_AFTER
    }

    private void springAmbush() {
        if (ambushes == 0) {
            return;
        }
        Optional<Long> leader = leader();
        if (leader.isEmpty()) {
            return;
        }
        SimNode node = nodes.get(leader.get());
        long term = node.raft().term();
        if (leader.get() != lastLeaderSeen || term != lastLeaderTermSeen) {
            lastLeaderSeen = leader.get();
            lastLeaderTermSeen = term;
            commitAtElection = node.raft().committed();
            // The exact instants matter most (figure 8 is a chain of leaders cut off at them).
            int kind = random.nextInt(5);
            ambush = kind < 2 ? Ambush.AT_ELECTION : kind < 4 ? Ambush.AT_FIRST_COMMIT : Ambush.SOON_AFTER;
            switch (ambush) {
                case AT_ELECTION -> cutOff(node);
                case SOON_AFTER -> {
                    boolean isolate = random.nextBoolean();
                    schedule(random.nextLong(0, 6 * MS), () -> {
                        if (node.up() && node.raft().term() == term) {
                            if (isolate) {
                                cutOff(node);
                            } else {
                                ambushes--;
                                crashFor(node, random.nextLong(ELECTION_TIMEOUT / 4, 2 * ELECTION_TIMEOUT));
                            }
                        }
                    });
                }
                case AT_FIRST_COMMIT -> {
                }
            }
        } else if (ambush == Ambush.AT_FIRST_COMMIT && node.raft().committed() > commitAtElection) {
            ambush = null;
            cutOff(node);
        }
    }

    private void cutOff(SimNode node) {
        note("ambush cuts off leader " + node.id + " (" + ambush + ")");
        ambushes--;
        isolate(node.id);
        schedule(random.nextLong(ELECTION_TIMEOUT / 4, 2 * ELECTION_TIMEOUT), () -> reconnect(node.id));
    }

    private void crashFor(SimNode node, long downtime) {
        note("crash node " + node.id + " for " + downtime / MS + "ms");
        node.crash();
        schedule(downtime, () -> {
            if (!node.up()) {
                note("restart node " + node.id);
                node.start(clockRate());
            }
        });
    }

    private void symmetricPartition() {
        List<Long> ids = new ArrayList<>(nodes.keySet());
        note("symmetric partition");
        Set<Long> side = new HashSet<>();
        for (long id : ids) {
            if (random.nextBoolean()) {
                side.add(id);
            }
        }
        for (long a : ids) {
            for (long b : ids) {
                if (side.contains(a) != side.contains(b)) {
                    network.cut(a, b);
                }
            }
        }
    }

    private void oneWayCuts() {
        List<Long> ids = new ArrayList<>(nodes.keySet());
        note("one-way cuts");
        int cuts = random.nextInt(1, ids.size() + 1);
        for (int i = 0; i < cuts; i++) {
            long a = ids.get(random.nextInt(ids.size()));
            long b = ids.get(random.nextInt(ids.size()));
            if (a != b) {
                network.cut(a, b);
            }
        }
    }

    /**
     * Two halves that only one node, the bridge, can talk to both of; the leader, if any, is in the
     * first half, so the far half can only reach it through a bridge that still hears it.
     */
    private void bridge() {
        List<Long> ids = new ArrayList<>(nodes.keySet());
        Optional<Long> leader = leader();
        leader.ifPresent(ids::remove);
        if (ids.isEmpty()) {
            return;
        }
        long bridge = ids.remove(random.nextInt(ids.size()));
        leader.ifPresent(l -> ids.add(0, l));
        note("bridge partition through node " + bridge);
        int half = ids.size() / 2;
        for (int i = 0; i < ids.size(); i++) {
            for (int j = 0; j < ids.size(); j++) {
                if ((i < half) != (j < half)) {
                    network.cut(ids.get(i), ids.get(j));
                }
            }
        }
    }

    private void reconnect(long node) {
        note("reconnect node " + node);
        for (long other : nodes.keySet()) {
            network.heal(node, other);
            network.heal(other, node);
        }
    }

    private void isolate(long node) {
        note("isolate node " + node);
        for (long other : nodes.keySet()) {
            if (other != node) {
                network.cutBothWays(node, other);
            }
        }
    }

    private void crashSomething() {
        List<SimNode> live = nodes.values().stream().filter(SimNode::up).toList();
        if (live.size() <= 1) {
            return;
        }
        Optional<Long> leader = leader();
        SimNode victim = leader.isPresent() && random.nextBoolean() ? nodes.get(leader.get())
                : live.get(random.nextInt(live.size()));
        crashFor(victim, random.nextLong(ELECTION_TIMEOUT / 4, 3 * ELECTION_TIMEOUT));
    }

    private void restartSomething() {
        List<SimNode> live = nodes.values().stream().filter(SimNode::up).toList();
        if (live.isEmpty()) {
            return;
        }
        SimNode victim = live.get(random.nextInt(live.size()));
        note("crash and restart node " + victim.id + " at once");
        victim.crash();
        victim.start(clockRate());
    }

    private void driftClocks() {
        for (SimNode n : nodes.values()) {
            if (random.nextBoolean()) {
                n.setClockRate(clockRate());
            }
        }
    }

    /** Clock rates within the bound, often at its extremes where leases are tightest. */
    private double clockRate() {
        return switch (random.nextInt(3)) {
            case 0 -> 1 - MAX_RATE_ERROR;
            case 1 -> 1 + MAX_RATE_ERROR;
            default -> 1 + random.nextDouble(-MAX_RATE_ERROR, MAX_RATE_ERROR);
        };
    }

    private void changeMembership() {
        Optional<Long> leaderId = leader();
        if (leaderId.isEmpty()) {
            return;
        }
        SimNode leader = nodes.get(leaderId.get());
        Membership m = leader.raft().membership();
        if (m.joint()) {
            return;
        }
        TreeSet<Long> voters = new TreeSet<>(m.voters());
        TreeSet<Long> learners = new TreeSet<>(m.learners());
        int roll = random.nextInt(4);
        if (roll == 0 && nodes.size() < MAX_NODES) {
            long id = nodes.size() + 1;
            addNode(id, Membership.EMPTY);
            learners.add(id);
        } else if (roll == 1 && !learners.isEmpty()) {
            long promoted = pick(learners);
            learners.remove(promoted);
            voters.add(promoted);
        } else if (roll == 2 && voters.size() > 2) {
            // Sometimes the leader removes itself.
            long removed = random.nextInt(4) == 0 ? leaderId.get() : pick(voters);
            voters.remove(removed);
        } else if (roll == 3) {
            long candidate = pick(new TreeSet<>(nodes.keySet()));
            if (!m.contains(candidate)) {
                learners.add(candidate);
            }
        }
        note("propose voters " + voters + " learners " + learners + " at leader " + leaderId.get());
        leader.changeMembership(new Membership(voters, new TreeSet<>(), learners));
    }

    private void transferLeadership() {
        leader().ifPresent(l -> {
            SimNode leader = nodes.get(l);
            long target = pick(new TreeSet<>(leader.raft().membership().voters()));
            note("transfer leadership from " + l + " to " + target);
            leader.transferLeadership(target);
        });
    }

    /**
     * A reader's commit hold on the leader (the SQL layer's cut across busy ranges): the leader
     * commits nothing newer until the hold is released here or lapses, up to three election
     * timeouts later. Safety must not depend on it, and progress resumes after it.
     */
    private void holdOrReleaseCommits() {
        if (!commitHolds.isEmpty() && random.nextBoolean()) {
            var hold = commitHolds.remove(random.nextInt(commitHolds.size()));
            note("release commit hold " + hold.getValue().id() + " on " + hold.getKey());
            nodes.get(hold.getKey()).releaseCommits(hold.getValue());
            return;
        }
        leader().ifPresent(l -> {
            long duration = random.nextLong(ELECTION_TIMEOUT / 10, 3 * ELECTION_TIMEOUT);
            if (nodes.get(l).holdCommits(duration) instanceof CommitHold.Held held) {
                note("hold commits on " + l + " at " + held.index() + " for " + duration / MS + " ms");
                commitHolds.add(Map.entry(l, held));
            }
        });
    }

    private void compactSomewhere() {
        List<SimNode> live = nodes.values().stream().filter(SimNode::up).toList();
        if (!live.isEmpty()) {
            live.get(random.nextInt(live.size())).compact();
        }
    }

    private void addNode(long id, Membership membership) {
        SimStorage storage = new SimStorage(new KvStore.Image(SnapshotMeta.bootstrap(membership), Map.of()));
        SimNode node = new SimNode(id, this, baseConfig.withId(id), storage, random.split(), quiesce);
        nodes.put(id, node);
        node.start(clockRate());
    }

    private Map<Long, Raft> liveReplicas() {
        Map<Long, Raft> live = new TreeMap<>();
        for (SimNode n : nodes.values()) {
            if (n.up()) {
                live.put(n.id, n.raft());
            }
        }
        return live;
    }

    private Optional<Long> leader() {
        long best = 0;
        long bestTerm = -1;
        for (SimNode n : nodes.values()) {
            if (n.up() && n.raft().role() == Role.LEADER && n.raft().term() > bestTerm) {
                best = n.id;
                bestTerm = n.raft().term();
            }
        }
        return best == 0 ? Optional.empty() : Optional.of(best);
    }

    private long randomNode() {
        List<Long> ids = new ArrayList<>(nodes.keySet());
        return ids.get(random.nextInt(ids.size()));
    }

    private long pick(TreeSet<Long> from) {
        if (from.isEmpty()) {
            throw new IllegalArgumentException("nothing to pick from");
        }
        List<Long> ids = new ArrayList<>(from);
        return ids.get(random.nextInt(ids.size()));
    }
}
