package io.flotilla.sql.nemesis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;

/**
 * The faults: each is injected through cluster-scripts (or the Raft link proxies) and healed
 * before {@link #inject} returns, with the moments it began and was healed on the run's clock.
 * Where a fault is meant to outlast an election, it waits for the remaining nodes to elect a
 * leader (polling the nodes' views) and then holds the fault for the rest of its scheduled length.
 */
final class Nemesis {

    enum Fault {
        KILL_LEADER("kill -9 leader"),
        KILL_RANDOM("kill -9 random node"),
        KILL_ALL("kill -9 all nodes"),
        PAUSE_LEADER("SIGSTOP leader"),
        ISOLATE_LEADER("partition leader");

        final String label;

        Fault(String label) {
            this.label = label;
        }
    }

    /** A fault as it happened: whom it hit, when it began and when it was healed. */
    record Injection(Fault fault, String target, long startNanos, long healedNanos) {
    }

    /**
     * How long a killed node stays down, a node stays paused, a leader stays cut off: longer than
     * the lease (900 ms) and the longest election timeout (2 s), so that the others elect a new
     * leader and serve for a while before the fault heals.
     */
    static final Duration FAULT_LENGTH = ScriptedCluster.ELECTION_TIMEOUT.multipliedBy(4);
    private static final Duration ELECTION_DEADLINE = Duration.ofSeconds(30);

    private final ScriptedCluster cluster;
    private final ClusterView view;
    private final RunClock clock;
    private final Random random;
    /** Things that went wrong with the cluster while faults were injected (no leader elected, say). */
    final List<String> problems = new ArrayList<>();

    Nemesis(ScriptedCluster cluster, ClusterView view, RunClock clock, Random random) {
        this.cluster = cluster;
        this.view = view;
        this.clock = clock;
        this.random = random;
    }

    Injection inject(Fault fault) throws Exception {
        return switch (fault) {
            case KILL_LEADER -> killAndRestart(fault, leader());
            case KILL_RANDOM -> killAndRestart(fault, ScriptedCluster.NODE_IDS.get(random.nextInt(ScriptedCluster.NODE_IDS.size())));
            case KILL_ALL -> killAll();
            case PAUSE_LEADER -> pauseLeader();
            case ISOLATE_LEADER -> isolateLeader();
        };
    }

    private Injection killAndRestart(Fault fault, long node) throws Exception {
        long start = clock.now();
        cluster.kill(node);
        awaitLeaderWithout(node, fault);
        holdUntil(start + FAULT_LENGTH.toNanos());
        cluster.restart(node);
        return new Injection(fault, "node " + node, start, clock.now());
    }

    private Injection killAll() throws Exception {
        long start = clock.now();
        cluster.killAll(ScriptedCluster.NODE_IDS);
        cluster.restartAll(ScriptedCluster.NODE_IDS);
        return new Injection(Fault.KILL_ALL, "nodes " + ScriptedCluster.NODE_IDS, start, clock.now());
    }

    private Injection pauseLeader() throws Exception {
        long node = leader();
        long start = clock.now();
        cluster.pause(node);
        try {
            awaitLeaderWithout(node, Fault.PAUSE_LEADER);
            holdUntil(start + FAULT_LENGTH.toNanos());
        } finally {
            cluster.resume(node);
        }
        return new Injection(Fault.PAUSE_LEADER, "node " + node, start, clock.now());
    }

    private Injection isolateLeader() throws Exception {
        long node = leader();
        long start = clock.now();
        cluster.isolate(node);
        try {
            awaitLeaderWithout(node, Fault.ISOLATE_LEADER);
            holdUntil(start + FAULT_LENGTH.toNanos());
        } finally {
            cluster.healLinks();
        }
        return new Injection(Fault.ISOLATE_LEADER, "node " + node, start, clock.now());
    }

    private long leader() throws InterruptedException {
        OptionalLong leader = view.awaitLeader(ScriptedCluster.NODE_IDS, ELECTION_DEADLINE);
        if (leader.isEmpty()) {
            throw new IllegalStateException("the data range has no leader to hurt; last seen: " + view.lastObservation());
        }
        return leader.getAsLong();
    }

    private void awaitLeaderWithout(long node, Fault fault) throws InterruptedException {
        List<Long> others = ScriptedCluster.NODE_IDS.stream().filter(n -> n != node).toList();
        long from = clock.now();
        OptionalLong leader = view.awaitLeader(others, ELECTION_DEADLINE);
        if (leader.isPresent()) {
            clock.log("nodes " + others + " elected node " + leader.getAsLong() + " in "
                    + RunClock.seconds(clock.now() - from));
        } else {
            problems.add(fault.label + " of node " + node + ": nodes " + others + " elected no leader within "
                    + ELECTION_DEADLINE.toSeconds() + " s; last seen: " + view.lastObservation());
        }
    }

    /** The rest of the fault's scheduled length: a fixed duration by design, not a wait for a condition. */
    private void holdUntil(long nanos) throws InterruptedException {
        long left = nanos - clock.now();
        if (left > 0) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
    }
}
