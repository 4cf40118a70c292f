package io.flotilla.statemachine.sim;

import io.flotilla.raft.core.Config;
import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.MemoryStorage;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.host.GroupLoop;
import io.flotilla.raft.host.RaftHost;
import io.flotilla.raft.host.StateMachine;
import io.flotilla.statemachine.range.RangeReplica;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * One node of the simulated cluster, made of the production parts: a {@link RaftHost} whose group
 * loop the scheduler runs, the range's {@link RangeReplica} on its own H2 database, and a log on
 * the simulated disk. Its clock runs at a seeded rate near the scheduler's. A crash throws away
 * everything but what its disk kept.
 */
final class SimNode {

    static final long RANGE = 1;

    final long id;
    private final Scheduler scheduler;
    private final SimNetwork network;
    private final Path directory;
    private final RangeReplica.Options options;
    /** The membership its log starts from: the initial voters, or none for a node that joins later. */
    private final Membership bootstrap;
    /** Told of every (term, leader) this node's replica takes on: the simulator's one-leader-per-term check. */
    private final BiConsumer<Long, Long> leaderOfTerm;
    private final double rate;
    private final long offset;
    private final long wallSkewMillis;
    private SimGroupLog log;
    private RaftHost host;
    private RangeReplica replica;
    private boolean up;
    private int incarnation;
    private boolean runScheduled;
    private long timerScheduledAt = Long.MAX_VALUE;
    /** Why the replica failed to open or the group to start, if it did: a violation. */
    String startFailure;
    /** Entries applied before crashes that H2 had not written and the replica applied again from the log. */
    long reapplied;
    private long appliedAtCrash = -1;

    SimNode(long id, Scheduler scheduler, SimNetwork network, Path directory, RangeReplica.Options options,
            Membership bootstrap, BiConsumer<Long, Long> leaderOfTerm) {
        this.id = id;
        this.scheduler = scheduler;
        this.network = network;
        this.directory = directory;
        this.options = options;
        this.bootstrap = bootstrap;
        this.leaderOfTerm = leaderOfTerm;
        // Clocks run within 0.5 % of each other: far inside the drift bound the lease allows for.
        this.rate = 1 + (scheduler.random.nextDouble() - 0.5) / 100;
        this.offset = scheduler.random.nextLong(1_000_000_000_000L);
        this.wallSkewMillis = scheduler.random.nextLong(101) - 50;
        this.log = new SimGroupLog(scheduler, new MemoryStorage(SnapshotMeta.bootstrap(bootstrap)),
                new TreeMap<>());
    }

    /** This node's wall clock, in milliseconds: its own rate, and up to 50 ms off the others'. */
    private long wallClockMillis() {
        return 1_700_000_000_000L + wallSkewMillis + (long) (scheduler.now() * rate) / 1_000_000;
    }

    /** This node's monotonic clock, in nanoseconds. */
    long clock() {
        return offset + (long) (scheduler.now() * rate);
    }

    private long simulatedTimeOf(long clockNanos) {
        return (long) ((clockNanos - offset) / rate) + 1;
    }

    void start() {
        incarnation++;
        up = true;
        runScheduled = false;
        timerScheduledAt = Long.MAX_VALUE;
        int mine = incarnation;
        host = RaftHost.driven(id, 1 << 16, network.outboxOf(id), this::clock, scheduler.random.nextLong(),
                loop -> wake(loop, mine));
        byte[] proposalIds = new byte[8];
        for (int i = 0; i < 8; i++) {
            proposalIds[i] = (byte) scheduler.random.nextInt(256);
        }
        try {
            replica = RangeReplica.open(RANGE, directory, options,
                    this::wallClockMillis, proposalIds);
        } catch (IOException | SQLException e) {
            startFailure = "node " + id + ": the replica did not open: " + e;
            up = false;
            return;
        }
        if (appliedAtCrash >= 0) {
            reapplied += Math.max(0, appliedAtCrash - replica.applied());
            appliedAtCrash = -1;
        }
        RaftHost h = host;
        replica.attach(command -> h.propose(RANGE, command));
        Config config = Config.of(id).withTimeouts(300_000_000L, 30_000_000L, 60_000_000L).withApplied(replica.applied());
        host.createGroup(RANGE, config, log, new Observed(replica)).whenComplete((ok, failure) -> {
            if (failure != null) {
                startFailure = "node " + id + ": range did not start: " + failure;
            }
        });
    }

    /** The host queued work: run a round of its loop soon (once, however many times it asks). */
    private void wake(GroupLoop loop, int from) {
        if (runScheduled || from != incarnation) {
            return;
        }
        runScheduled = true;
        scheduler.after(1_000, () -> run(loop, from));
    }

    private void run(GroupLoop loop, int from) {
        if (from != incarnation) {
            return;
        }
        runScheduled = false;
        if (!up) {
            return;
        }
        loop.runOnce();
        if (loop.hasQueued()) {
            wake(loop, from);
        }
        long next = loop.nextTimerAt();
        if (next != Long.MAX_VALUE) {
            long at = simulatedTimeOf(next);
            if (at < timerScheduledAt || timerScheduledAt <= scheduler.now()) {
                timerScheduledAt = at;
                scheduler.at(at, () -> {
                    if (from == incarnation && timerScheduledAt == at) {
                        timerScheduledAt = Long.MAX_VALUE;
                        run(loop, from);
                    }
                });
            }
        }
    }

    /** kill -9: the process and what it had not synced are gone; H2 keeps what it wrote. */
    void crash() {
        if (!up) {
            return;
        }
        up = false;
        appliedAtCrash = replica.applied();
        host.close();
        replica.crash();
        log = log.crash();
    }

    void restart() {
        if (!up) {
            start();
        }
    }

    /** A clean stop at the end of a run. */
    void close() {
        if (up) {
            up = false;
            host.close();
            replica.close();
        }
    }

    boolean up() {
        return up;
    }

    int incarnation() {
        return incarnation;
    }

    RaftHost host() {
        return host;
    }

    RangeReplica replica() {
        return replica;
    }

    /** The replica as the host sees it, with its changes of role reported to the simulator on the way. */
    private final class Observed implements StateMachine {
        private final RangeReplica replica;

        Observed(RangeReplica replica) {
            this.replica = replica;
        }

        @Override
        public Object apply(Entry entry) {
            return replica.apply(entry);
        }

        @Override
        public ReadableByteChannel snapshot() throws IOException {
            return replica.snapshot();
        }

        @Override
        public void restore(ReadableByteChannel image) throws IOException {
            replica.restore(image);
        }

        @Override
        public void roleChanged(long term, boolean leader) {
            if (leader) {
                leaderOfTerm.accept(term, id);
            }
            replica.roleChanged(term, leader);
        }
    }
}
