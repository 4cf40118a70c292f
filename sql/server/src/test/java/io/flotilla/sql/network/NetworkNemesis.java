package io.flotilla.sql.network;

import io.flotilla.sql.nemesis.ClusterView;
import io.flotilla.sql.nemesis.RunClock;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The network faults: each cuts the network around the cluster as it stands (its data range's
 * leader given), holds the cut for its scheduled length and heals it before {@link #inject}
 * returns, with the moments it began and was healed on the run's clock. A cut begins once it is
 * wholly in place: one made of several rules takes a few commands, and until the last one the
 * cluster may still commit (a write acknowledged then would pass for a fast recovery).
 */
final class NetworkNemesis {

    enum Fault {
        LEADER_CUT_OFF("leader cut off", "leader-cut-off", false),
        FOLLOWER_CUT_OFF("follower cut off", "follower-cut-off", false),
        CLIENT_WITH_MINORITY("client with the minority", "client-with-minority", true),
        LEADER_DEAF("one-way: leader sends, receives nothing", "leader-deaf", true),
        LEADER_FLAPPING("leader's link flapping", "leader-flapping", false),
        HEALED_DURING_ELECTION("leader cut off, healed during the election", "healed-during-election", false);

        final String label;
        /** A name for files and directories. */
        final String slug;
        final boolean needsPacketFilter;

        Fault(String label, String slug, boolean needsPacketFilter) {
            this.label = label;
            this.slug = slug;
            this.needsPacketFilter = needsPacketFilter;
        }
    }

    /** A cut as it happened: what it hit, when it began and when it was healed. */
    record Cut(Fault fault, String target, long startNanos, long healedNanos) {
    }

    /**
     * How long a cut lasts: well past an election (1 to 2 s) and the failover timeout of the
     * clients, so that a cluster that recovers does so while it lasts, and a client with the
     * minority runs into its failover timeout before the cut heals.
     */
    static final Duration CUT_LENGTH = Duration.ofSeconds(10);
    /** A flapping link changes state this often: down for one period, up for the next. */
    static final Duration FLAP_PERIOD = Duration.ofSeconds(1);
    /** The most a healed-during-election cut waits for the election: the longest election timeout plus a margin. */
    private static final Duration ELECTION_WATCH_DEADLINE = NetworkCluster.ELECTION_TIMEOUT.multipliedBy(3);
    private static final long ELECTION_POLL_MILLIS = 20;

    private final NetworkHosts hosts;
    /** Null where iptables is unusable: the faults that need it are then skipped before they get here. */
    private final PacketFilter filter;
    private final ClusterView view;
    private final RunClock clock;
    private final Random random;

    NetworkNemesis(NetworkHosts hosts, PacketFilter filter, ClusterView view, RunClock clock, Random random) {
        this.hosts = hosts;
        this.filter = filter;
        this.view = view;
        this.clock = clock;
        this.random = random;
    }

    Cut inject(Fault fault, long leader) throws InterruptedException {
        if (fault.needsPacketFilter && filter == null) {
            throw new IllegalStateException(fault.label + " needs iptables");
        }
        return switch (fault) {
            case LEADER_CUT_OFF -> unplugFor(fault, leader, "leader node " + leader);
            case FOLLOWER_CUT_OFF -> {
                List<Long> followers = others(leader);
                long follower = followers.get(random.nextInt(followers.size()));
                yield unplugFor(fault, follower, "follower node " + follower);
            }
            case CLIENT_WITH_MINORITY -> clientWithMinority(leader);
            case LEADER_DEAF -> deafen(leader);
            case LEADER_FLAPPING -> flap(leader);
            case HEALED_DURING_ELECTION -> healDuringElection(leader);
        };
    }

    private Cut unplugFor(Fault fault, long node, String target) throws InterruptedException {
        long start;
        try {
            hosts.unplug(node);
            start = clock.now();
            holdUntil(start + CUT_LENGTH.toNanos());
        } finally {
            hosts.plug(node);
        }
        return new Cut(fault, target, start, clock.now());
    }

    /**
     * The leader is cut from the other two nodes, and the client host from those two: the client
     * reaches only the node that can no longer commit anything.
     */
    private Cut clientWithMinority(long leader) throws InterruptedException {
        long start;
        try {
            for (long other : others(leader)) {
                filter.isolate(leader, other);
                filter.cutClient(other);
            }
            start = clock.now();
            holdUntil(start + CUT_LENGTH.toNanos());
        } finally {
            filter.clear();
        }
        return new Cut(Fault.CLIENT_WITH_MINORITY, "isolated leader node " + leader + ", client reaches only it", start,
                clock.now());
    }

    private Cut deafen(long leader) throws InterruptedException {
        long start;
        try {
            filter.deafen(leader);
            start = clock.now();
            holdUntil(start + CUT_LENGTH.toNanos());
        } finally {
            filter.clear();
        }
        return new Cut(Fault.LEADER_DEAF, "leader node " + leader, start, clock.now());
    }

    /** The leader's link goes down and up every {@link #FLAP_PERIOD} for {@link #CUT_LENGTH}; it ends up. */
    private Cut flap(long leader) throws InterruptedException {
        long start = -1;
        int downs = 0;
        try {
            hosts.unplug(leader);
            start = clock.now();
            for (long at = start; at < start + CUT_LENGTH.toNanos(); at += 2 * FLAP_PERIOD.toNanos()) {
                if (at > start) {
                    holdUntil(at);
                    hosts.unplug(leader);
                }
                downs++;
                holdUntil(at + FLAP_PERIOD.toNanos());
                hosts.plug(leader);
            }
        } finally {
            if (hosts.anyUnplugged()) {
                hosts.plug(leader);
            }
        }
        return new Cut(Fault.LEADER_FLAPPING, "leader node " + leader + ", " + downs + " times down", start, clock.now());
    }

    /**
     * Cuts the leader off and heals as soon as the other nodes show an election under way (one of
     * them a pre-candidate or candidate, or in a later term than the leader's), polled every
     * {@value #ELECTION_POLL_MILLIS} ms; at the latest after {@link #ELECTION_WATCH_DEADLINE}.
     */
    private Cut healDuringElection(long leader) throws InterruptedException {
        long term = ownRow(leader).map(ClusterView.Replica::term).orElseThrow(() ->
                new IllegalStateException("leader " + leader + " did not report its term: " + view.lastObservation()));
        String seen = "no election seen within " + RunClock.seconds(ELECTION_WATCH_DEADLINE.toNanos());
        long start;
        try {
            hosts.unplug(leader);
            start = clock.now();
            long deadline = start + ELECTION_WATCH_DEADLINE.toNanos();
            watch:
            while (clock.now() < deadline) {
                for (long other : others(leader)) {
                    Optional<ClusterView.Replica> row = ownRow(other);
                    if (row.isPresent() && (row.get().role().endsWith("CANDIDATE") || row.get().term() > term)) {
                        seen = "node " + other + " " + row.get().role() + " in term " + row.get().term() + " (leader's term "
                                + term + ") " + RunClock.seconds(clock.now() - start) + " after the cut";
                        break watch;
                    }
                }
                Thread.sleep(ELECTION_POLL_MILLIS);
            }
        } finally {
            hosts.plug(leader);
        }
        clock.log("healed when " + seen);
        return new Cut(Fault.HEALED_DURING_ELECTION, "leader node " + leader + "; healed when " + seen, start, clock.now());
    }

    /** The node's own row for the data range, if it answered. */
    private Optional<ClusterView.Replica> ownRow(long node) {
        try {
            return view.replicasSeenBy(node).stream().filter(r -> r.node() == node).findFirst();
        } catch (SQLException e) {
            // A node that does not answer shows no election: the watch polls again, up to its deadline.
            return Optional.empty();
        }
    }

    private List<Long> others(long node) {
        return hosts.nodes().stream().filter(n -> n != node).toList();
    }

    /** The rest of the cut's scheduled length: a fixed duration by design, not a wait for a condition. */
    private void holdUntil(long nanos) throws InterruptedException {
        long left = nanos - clock.now();
        if (left > 0) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
    }
}
