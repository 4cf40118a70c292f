package io.flotilla.sql.server;

import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Whether this (follower or learner) replica of a range may serve a read that accepts data at most
 * {@code max_staleness_millis} old — only when it can show that it misses nothing committed
 * earlier than that.
 *
 * <p>What shows it is a fact learned from the leader: every write committed before {@code askedAt}
 * is at or below {@code leaderIndex}. {@code askedAt} is read from this node's monotonic clock
 * before the question goes out; the leader answers only after confirming it still leads (under its
 * lease, or with a ReadIndex round), with an index it has applied, so its answer holds every write
 * committed before the question arrived, and so before {@code askedAt}. Once this replica has
 * applied {@code leaderIndex}, its data is at most {@code now - askedAt} old. Both times are read
 * from this node's clock: no two nodes' clocks are ever compared.
 *
 * <p>The replica's own commit index would not do: a replica cut off from the leader keeps it, and
 * would serve arbitrarily old data. Nor would the send times of the leader's heartbeats: that
 * would compare two nodes' clocks.
 *
 * <p>The fact is cached for every session of the node. When it is too old for a read, one round
 * trip to the leader renews it (readers that arrive meanwhile wait for that same round trip), and
 * the read then waits briefly for this replica to apply that far. A read that cannot be shown
 * fresh enough is not served here: the caller forwards it to the leader, and when the leader
 * cannot be reached that fails with the range's unavailable SQLState; it is never served stale.
 */
final class StalenessBound {

    private static final System.Logger LOG = System.getLogger(StalenessBound.class.getName());

    /** What the leader said, and when, on this node's clock, the question went out. */
    record Fact(long leaderIndex, long askedAtNanos) {
    }

    /** One round trip to the range's leader: an index holding every write committed before it was asked. */
    @FunctionalInterface
    interface LeaderIndex {
        long ask() throws SQLException;
    }

    /** Waits at most {@code timeoutNanos} for this replica to have applied {@code index}; whether it has. */
    @FunctionalInterface
    interface AppliedIndex {
        boolean await(long index, long timeoutNanos) throws InterruptedException;
    }

    private final LongSupplier clock;
    private final LeaderIndex leader;
    private final AppliedIndex applied;
    private final long applyWaitNanos;
    private final long refreshWaitNanos;
    /** The newest fact learned; null until the first. */
    private final AtomicReference<Fact> known = new AtomicReference<>();
    /** The round trip under way, if any, that readers share. */
    private final AtomicReference<CompletableFuture<Fact>> refreshing = new AtomicReference<>();

    /**
     * @param clock            monotonic nanoseconds, on which ages are measured
     * @param applyWaitNanos   how long a read waits for this replica to apply what the leader had,
     *                         before it goes to the leader instead (a replica cut off from its
     *                         group would never get there)
     * @param refreshWaitNanos how long a reader waits for a round trip another reader started
     */
    StalenessBound(LongSupplier clock, LeaderIndex leader, AppliedIndex applied, long applyWaitNanos,
                   long refreshWaitNanos) {
        this.clock = clock;
        this.leader = leader;
        this.applied = applied;
        this.applyWaitNanos = applyWaitNanos;
        this.refreshWaitNanos = refreshWaitNanos;
    }

    /**
     * Whether this replica's data, as of now, misses nothing committed more than
     * {@code maxStalenessMillis} ago; may take a round trip to the leader and a short wait.
     */
    boolean mayServe(long maxStalenessMillis) throws InterruptedException {
        long bound = TimeUnit.MILLISECONDS.toNanos(maxStalenessMillis);
        Fact fact = known.get();
        if (fact == null || age(fact) > bound) {
            Optional<Fact> fresh = refreshed(bound);
            if (fresh.isEmpty() || age(fresh.get()) > bound) {
                return false;
            }
            fact = fresh.get();
        }
        long wait = Math.min(bound - age(fact), applyWaitNanos);
        // Checked again after the wait: the fact must still be young enough when the read starts.
        return applied.await(fact.leaderIndex(), wait) && age(fact) <= bound;
    }

    private long age(Fact fact) {
        return clock.getAsLong() - fact.askedAtNanos();
    }

    /**
     * A fact from a round trip that started now, or one already under way; empty if it failed.
     * One that another reader's round trip learned since this reader looked, young enough for
     * {@code bound}, serves without a round trip of its own.
     */
    private Optional<Fact> refreshed(long bound) throws InterruptedException {
        CompletableFuture<Fact> mine = new CompletableFuture<>();
        CompletableFuture<Fact> running = refreshing.compareAndExchange(null, mine);
        if (running == null) {
            running = mine;
            try {
                Fact current = known.get();
                if (current != null && age(current) <= bound) {
                    mine.complete(current);
                } else {
                    long askedAt = clock.getAsLong();
                    Fact learned = new Fact(leader.ask(), askedAt);
                    known.accumulateAndGet(learned, (old, fresh) -> old == null
                            || fresh.askedAtNanos() - old.askedAtNanos() > 0 ? fresh : old);
                    mine.complete(learned);
                }
            } catch (SQLException | RuntimeException e) {
                mine.completeExceptionally(e);
            } finally {
                refreshing.compareAndSet(mine, null);
            }
        }
        try {
            return Optional.of(running.get(refreshWaitNanos, TimeUnit.NANOSECONDS));
        } catch (ExecutionException e) {
            // The read goes to the leader instead, which reports its own failure if it has one.
            LOG.log(System.Logger.Level.DEBUG, "could not learn the leader's read index: " + e.getCause(), e.getCause());
            return Optional.empty();
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.DEBUG, "the leader's read index did not arrive in time", e);
            return Optional.empty();
        }
    }
}
