package io.flotilla.sql.node;

import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.ReplicaProgress;
import io.flotilla.raft.core.Role;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.host.RaftHost;
import io.flotilla.statemachine.range.RangeReplica;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Compacts the Raft log of every range this node hosts once it has grown past a {@link Policy}:
 * without it a log grows with every write for ever, and a replica rebuilt after a crash (from its
 * log's snapshot image and the entries after it, see {@code RangeStore.open}) replays all of it.
 * Each replica compacts its own log, leader or not, as etcd and rqlite do.
 *
 * <p>One thread of its own in a node ({@link #start()}) looks at every range once per interval
 * and waits for each compaction it starts, so a node writes one image at a time and no client's
 * thread ever pays for one. The whole-stack simulator runs the same {@link #run() loop} on one
 * of its simulated threads, with waits in simulated time, so a seed still replays exactly.
 */
public final class LogCompaction implements Runnable, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LogCompaction.class.getName());
    /** A look runs on the range's thread and is quick; longer means that thread is stuck. */
    private static final long LOOK_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** An image of a large range takes minutes; past this the compaction goes on unwatched, and the next look joins it. */
    private static final long COMPACTION_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(10);
    /** Since the last compaction of a range this node has not compacted since it started. */
    private static final Duration NEVER = Duration.ofDays(365);

    /**
     * When a range's log is compacted: once the entries applied since its snapshot number
     * {@code entries}, or the payload its log holds reaches {@code bytes}; or earlier, from
     * {@code earlyEntries} on, when its last image took at most a {@code imageCostFactor}th of the
     * time since it was written; looked at every {@code interval}.
     *
     * <p>The defaults: at most 10,000 entries, as etcd's {@code --snapshot-count} (rqlite's
     * {@code SnapshotThreshold} is 8,192), and 64 MiB, which bounds the same when entries are
     * large (a transaction may carry up to 8 MiB, so 10,000 of them could be 80 GiB). A restart
     * after a crash replays everything after the snapshot (see {@code RangeStore.open}), and when
     * every node restarts at once on a small machine, cold JVMs side by side, that ran at a few
     * hundred entries a second (the nemesis's kill -9 of all nodes: 2,566 entries took 6 s): so a
     * range whose image is cheap, as most are, compacts from 1,000 entries on, as long as writing
     * images takes at most a twentieth of its time; a large range, whose image takes seconds, keeps
     * to the bounds. Every second: a look costs one call on each range's thread.
     */
    public record Policy(long entries, long bytes, Duration interval, long earlyEntries, int imageCostFactor) {

        public Policy {
            if (entries <= 0 || bytes <= 0 || interval.isNegative() || interval.isZero() || earlyEntries <= 0
                    || earlyEntries > entries || imageCostFactor <= 0) {
                throw new IllegalArgumentException("log compaction thresholds must be positive, the early one at most "
                        + "the other: " + entries + " entries (early from " + earlyEntries + "), " + bytes
                        + " bytes, every " + interval + ", images at most 1/" + imageCostFactor + " of the time");
            }
        }

        /** No early compaction: at {@code entries} or {@code bytes} only. */
        public Policy(long entries, long bytes, Duration interval) {
            this(entries, bytes, interval, entries, 1);
        }

        public static Policy defaults() {
            return new Policy(10_000, 64L << 20, Duration.ofSeconds(1), 1_000, 20);
        }

        /**
         * Whether the log is due, given how long ago this node last compacted the range and how
         * long that took ({@link Duration#ZERO} and a long time ago if it has not since it started).
         * A leader holds off while a member has not yet received what it would drop (that member
         * would then need the whole image streamed instead of a few entries: a slow follower, one
         * restarting), unless its log is twice past a threshold, so that a member that is gone for
         * good does not keep it from compacting for ever.
         */
        boolean due(LogState log, Duration sinceLast, Duration lastTook) {
            long entriesSince = log.applied() - log.snapshotIndex();
            if (entriesSince <= 0) {
                return false;
            }
            if (log.memberBehind()) {
                return entriesSince >= 2 * entries || log.bytes() >= 2 * bytes;
            }
            if (entriesSince >= entries || log.bytes() >= bytes) {
                return true;
            }
            return entriesSince >= earlyEntries && sinceLast.compareTo(lastTook.multipliedBy(imageCostFactor)) >= 0;
        }
    }

    /** This node's last compaction of a range: when it finished, on the node's clock, and how long it took. */
    private record Compacted(long finishedNanos, long tookNanos) {
    }

    /**
     * A range's log as its replica here sees it, on the range's thread: the index it was last
     * compacted to, what the state machine has applied (the index it would be compacted to), the
     * payload bytes it holds, and whether, as leader, it knows a member that has not received
     * everything up to the applied index.
     */
    record LogState(long snapshotIndex, long applied, long bytes, boolean memberBehind) {

        static LogState of(Raft raft, long applied) {
            long snapshot = raft.firstIndex() - 1;
            boolean behind = false;
            if (raft.role() == Role.LEADER) {
                for (Map.Entry<Long, ReplicaProgress> p : raft.progress().entrySet()) {
                    behind |= p.getKey() != raft.id() && p.getValue().match() < applied;
                }
            }
            return new LogState(snapshot, applied, raft.payloadBytesAfter(snapshot), behind);
        }
    }

    private final long nodeId;
    private final RaftHost host;
    private final Map<Long, RangeReplica> replicas;
    private final Waits waits;
    private final Policy policy;
    /** Only the loop's thread touches it. */
    private final Map<Long, Compacted> lastCompacted = new HashMap<>();
    private volatile boolean closed;
    /** The node's thread, once started; none where a simulator runs the loop. */
    private volatile Thread thread;

    LogCompaction(long nodeId, RaftHost host, Map<Long, RangeReplica> replicas, Waits waits, Policy policy) {
        this.nodeId = nodeId;
        this.host = host;
        this.replicas = replicas;
        this.waits = waits;
        this.policy = policy;
    }

    /** Runs the loop on a thread of its own, until {@link #close()}. */
    void start() {
        thread = new Thread(this, "flotilla-node-" + nodeId + "-log-compaction");
        thread.setDaemon(true);
        thread.start();
    }

    /** Looks at every range once per interval until closed. Returns when closed, or interrupted. */
    @Override
    public void run() {
        try {
            while (!closed) {
                try {
                    lookOnce();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "node " + nodeId + ": looking whether its range logs need "
                            + "compacting failed; looked at again in " + policy.interval(), e);
                }
                waits.sleep(policy.interval().toNanos());
            }
        } catch (InterruptedException e) {
            // close() interrupts the node's thread to stop it at once, even in the middle of a wait.
            Thread.currentThread().interrupt();
        }
    }

    /** Looks at every range once and compacts, one after another, those whose log is due. */
    public void lookOnce() throws InterruptedException {
        for (Map.Entry<Long, RangeReplica> r : replicas.entrySet()) {
            if (closed) {
                return;
            }
            Optional<LogState> log = look(r.getKey(), r.getValue());
            Compacted last = lastCompacted.get(r.getKey());
            Duration sinceLast = last == null ? NEVER : Duration.ofNanos(waits.nanoTime() - last.finishedNanos());
            Duration lastTook = last == null ? Duration.ZERO : Duration.ofNanos(last.tookNanos());
            if (log.isPresent() && policy.due(log.get(), sinceLast, lastTook)) {
                compact(r.getKey(), log.get());
            }
        }
    }

    private Optional<LogState> look(long range, RangeReplica replica) throws InterruptedException {
        try {
            // On the range's thread, where the applied index and the log do not move under the look.
            return Optional.of(waits.await(host.inspect(range, raft -> LogState.of(raft, replica.applied())),
                    LOOK_TIMEOUT_NANOS));
        } catch (ExecutionException e) {
            // Stopped (the node's views say why) or overloaded: looked at again next time.
            LOG.log(System.Logger.Level.DEBUG, "node " + nodeId + ": range " + range + " cannot be looked at now", e.getCause());
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "node {0}: range {1} did not answer within {2} s; its log is looked at "
                    + "again in {3}", nodeId, range, TimeUnit.NANOSECONDS.toSeconds(LOOK_TIMEOUT_NANOS), policy.interval());
        }
        return Optional.empty();
    }

    private void compact(long range, LogState before) throws InterruptedException {
        long started = waits.nanoTime();
        try {
            SnapshotMeta compacted = waits.await(host.compact(range), COMPACTION_TIMEOUT_NANOS);
            long finished = waits.nanoTime();
            lastCompacted.put(range, new Compacted(finished, finished - started));
            long millis = TimeUnit.NANOSECONDS.toMillis(finished - started);
            if (compacted.index() > before.snapshotIndex()) {
                LOG.log(System.Logger.Level.INFO, "node {0}: range {1}: log compacted to index {2} ({3} entries dropped) "
                        + "in {4} ms", nodeId, range, compacted.index(), compacted.index() - before.snapshotIndex(), millis);
            } else {
                // A snapshot from the leader replaced the log meanwhile.
                LOG.log(System.Logger.Level.DEBUG, "node {0}: range {1}: nothing left to compact", nodeId, range);
            }
        } catch (ExecutionException e) {
            if (closed) {
                // The node closes: its groups stop, and the compaction with them.
                return;
            }
            LOG.log(System.Logger.Level.WARNING, "node " + nodeId + ": range " + range + ": compacting its log at "
                    + "applied index " + before.applied() + " failed; tried again in " + policy.interval(), e.getCause());
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "node {0}: range {1}: compacting its log at applied index {2} has not "
                    + "finished after {3} min; it goes on, and the next look waits for it", nodeId, range,
                    before.applied(), TimeUnit.NANOSECONDS.toMinutes(COMPACTION_TIMEOUT_NANOS));
        }
    }

    /** Stops the loop; the node's thread is interrupted out of any wait and joined. */
    @Override
    public void close() {
        closed = true;
        Thread running = thread;
        if (running == null) {
            return;
        }
        running.interrupt();
        try {
            running.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
