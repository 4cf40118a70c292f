package io.flotilla.raft.host;

import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.MpscUnboundedArrayQueue;

import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A shard of the node's groups and all their work, without a thread of its own: one
 * {@link #runOnce() round} drains its queues, ticks the cores whose timers are due and hands their
 * Readies to their logs. In a node a {@link Worker} thread runs rounds until there is nothing to
 * do before the next timer; in the whole-stack simulator the seeded scheduler runs them, so the
 * simulator runs this very code and no copy of it. A group whose timers are far away and that
 * receives nothing costs nothing.
 *
 * <p>Three queues: a bounded one for what comes from outside (network, clients), which drops (or
 * refuses) when full rather than grow; a bounded one of its own for leadership traffic
 * (heartbeats, votes, their answers), handled first in every round, so that clients filling the
 * first can neither delay nor drop it; and an unbounded one for completions of the loop's own log
 * writes, which must never be lost or a group would wait forever. Whoever queues work calls the
 * {@code wake} hook, so the loop's runner knows to run a round.
 */
public final class GroupLoop {

    private static final System.Logger LOG = System.getLogger(GroupLoop.class.getName());

    private record Timer(long at, Replica replica) {
    }

    private final MpscArrayQueue<Task> inbound;
    private final MpscArrayQueue<Task> leadership;
    private final MpscUnboundedArrayQueue<Task> completions = new MpscUnboundedArrayQueue<>(1024);
    private final Map<Long, Replica> replicas = new HashMap<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));
    private final Set<Replica> dirty = new LinkedHashSet<>();
    /** Flushed groups with committed entries still to apply, kept from one round to the next. */
    private final List<Replica> again = new ArrayList<>();
    private final LongSupplier clock;
    /** Where a group that stops after an unexpected failure is recorded for the node's status. */
    private final Consumer<GroupFailure> failures;
    private final Consumer<GroupLoop> wake;

    /**
     * @param wake told of this loop (from any thread) whenever work is queued: the runner must run
     *        a round after it
     */
    GroupLoop(int capacity, LongSupplier clock, Consumer<GroupFailure> failures, Consumer<GroupLoop> wake) {
        this.inbound = new MpscArrayQueue<>(capacity);
        this.leadership = new MpscArrayQueue<>(capacity);
        this.clock = clock;
        this.failures = failures;
        this.wake = wake;
    }

    /** Queues outside work; false if the queue is full. */
    boolean offer(Task task) {
        if (!inbound.offer(task)) {
            return false;
        }
        wake.accept(this);
        return true;
    }

    /** Queues a message of leadership traffic on its own lane; false if even that is full. */
    boolean offerLeadership(Task.Deliver task) {
        if (!leadership.offer(task)) {
            return false;
        }
        wake.accept(this);
        return true;
    }

    /** Queues the completion of something this loop started; never dropped. */
    void complete(Task task) {
        completions.offer(task);
        wake.accept(this);
    }

    /**
     * One round: everything queued is handled, due timers fire, and every group touched flushes
     * its Ready. Returns whether anything was queued (a round with nothing queued only fires timers).
     */
    public boolean runOnce() {
        int done = completions.drain(this::handle, 4096) + leadership.drain(this::handle, 4096)
                + inbound.drain(this::handle, 4096);
        fireTimers(clock.getAsLong());
        for (Replica r : dirty) {
            try {
                if (r.flush(this::complete)) {
                    again.add(r);
                }
                arm(r);
            } catch (RuntimeException e) {
                fail(r, e);
            }
        }
        dirty.clear();
        // Groups with more committed entries to apply go on next round, after what arrives meanwhile.
        dirty.addAll(again);
        again.clear();
        return done > 0;
    }

    /** Whether work is waiting that the next round would do: queued tasks, or groups with entries to apply. */
    public boolean hasQueued() {
        return !inbound.isEmpty() || !leadership.isEmpty() || !completions.isEmpty() || !dirty.isEmpty();
    }

    /** When the earliest timer of its groups is due, on its clock; {@link Long#MAX_VALUE} if none is. */
    public long nextTimerAt() {
        Timer next = timers.peek();
        return next == null ? Long.MAX_VALUE : next.at;
    }

    /** The node is closing: every group stops, and whatever still waits in the queues fails. */
    void close() {
        for (Replica r : replicas.values()) {
            r.stop(r.stoppedError("the node is closing"));
        }
        failQueued(inbound);
        failQueued(leadership);
        failQueued(completions);
    }

    private static void failQueued(Queue<Task> queue) {
        for (Task t = queue.poll(); t != null; t = queue.poll()) {
            abandon(t, "the node is closing");
        }
    }

    private void fireTimers(long now) {
        while (!timers.isEmpty() && timers.peek().at <= now) {
            Timer t = timers.poll();
            Replica r = t.replica;
            // Entries whose replica re-armed or went away since are stale; skip them.
            if (r.timerAt != t.at || replicas.get(r.group) != r || r.stopped()) {
                continue;
            }
            r.timerAt = Long.MIN_VALUE;
            try {
                r.raft.tick();
                dirty.add(r);
            } catch (RuntimeException e) {
                fail(r, e);
            }
        }
    }

    private void arm(Replica r) {
        if (r.stopped()) {
            return;
        }
        long at = r.raft.nextTimerAt();
        if (at != r.timerAt) {
            r.timerAt = at;
            if (at != Long.MAX_VALUE) {
                // A quiesced group has no timer at all: it costs nothing until something wakes it.
                timers.add(new Timer(at, r));
            }
        }
    }

    private void handle(Task task) {
        if (task instanceof Task.Create c) {
            replicas.put(c.group(), c.replica());
            dirty.add(c.replica());
            c.done().complete(null);
            return;
        }
        if (task instanceof Task.WakeFollowers w) {
            wakeFollowers(w.leaderNode());
            return;
        }
        Replica r = replicas.get(task.group());
        if (task instanceof Task.Remove rm) {
            if (r != null) {
                replicas.remove(rm.group());
                r.stop(r.stoppedError("the group was removed from this node"));
            }
            rm.done().complete(null);
            return;
        }
        if (r == null) {
            abandon(task, "not hosted on this node");
            return;
        }
        dirty.add(r);
        try {
            if (task instanceof Task.Deliver d) {
                r.deliver(d.message());
            } else if (task instanceof Task.Propose p) {
                r.propose(p.command(), p.result());
            } else if (task instanceof Task.Read<?> read) {
                serve(r, read);
            } else if (task instanceof Task.Inspect<?> i) {
                inspect(r, i);
            } else if (task instanceof Task.Persisted p) {
                r.persisted(p.ready(), p.failure(), this::complete);
            } else if (task instanceof Task.SnapshotSent sent) {
                r.snapshotSent(sent.peer(), sent.installed());
            } else if (task instanceof Task.SnapshotArrived arrived) {
                r.snapshotArrived(arrived.announcement(), arrived.image());
            } else if (task instanceof Task.Compact c) {
                r.compact(c.done(), this::complete);
            } else if (task instanceof Task.ImageSaved saved) {
                r.imageSaved(saved.save(), saved.failure(), this::complete);
            }
        } catch (RuntimeException e) {
            fail(r, e);
        }
    }

    private void wakeFollowers(long leaderNode) {
        for (Replica r : replicas.values()) {
            if (!r.stopped() && r.raft.quiesced() && r.raft.leader() == leaderNode) {
                r.raft.wake();
                dirty.add(r);
            }
        }
    }

    /**
     * Something in one group went wrong that should not (an invariant its core asserts, a broken
     * state machine, an outbox that threw): that group stops and says why; the worker's other
     * groups carry on.
     */
    private void fail(Replica r, RuntimeException e) {
        // Logged once, here, with its cause: the layers that threw it leave the logging to this.
        LOG.log(System.Logger.Level.ERROR, "group " + r.group + " stopped on this node after an unexpected failure; "
                + "its other replicas go on without it", e);
        failures.accept(new GroupFailure(r.group, describe(e), Instant.now()));
        // Left in the dirty set, a stopped replica flushes and arms nothing.
        r.stop(r.stoppedError("stopped after an unexpected failure: " + describe(e)));
    }

    private static String describe(Throwable e) {
        StringBuilder out = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            out.append(" <- ").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage());
        }
        return out.toString();
    }

    private static <T> void serve(Replica r, Task.Read<T> read) {
        r.read(read.query(), read.result());
    }

    private static <T> void inspect(Replica r, Task.Inspect<T> i) {
        if (r.stopped()) {
            // Its core stands where it stopped: a role or leader read from it would be stale.
            i.result().completeExceptionally(r.stoppedError("the group has stopped on this node"));
            return;
        }
        try {
            i.result().complete(i.function().apply(r.raft));
        } catch (RuntimeException e) {
            i.result().completeExceptionally(e);
        }
    }

    private static void discard(Task.SnapshotArrived arrived) {
        try {
            Files.deleteIfExists(arrived.image());
        } catch (java.io.IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not delete spooled snapshot " + arrived.image(), e);
        }
    }

    /**
     * Fails whatever waits on a task that will not run: the node is closing, or the group is not (or
     * no longer) hosted here. A message for such a group is dropped: its sender retries or gives up.
     */
    private static void abandon(Task task, String why) {
        Throwable stopped = new GroupUnavailableException(task.group(), GroupUnavailableException.Reason.STOPPED,
                null, 0, why);
        if (task instanceof Task.Propose p) {
            p.result().completeExceptionally(stopped);
        } else if (task instanceof Task.Read<?> r) {
            r.result().completeExceptionally(stopped);
        } else if (task instanceof Task.Inspect<?> i) {
            i.result().completeExceptionally(stopped);
        } else if (task instanceof Task.Create c) {
            c.done().completeExceptionally(stopped);
        } else if (task instanceof Task.Remove rm) {
            rm.done().completeExceptionally(stopped);
        } else if (task instanceof Task.Compact c) {
            c.done().completeExceptionally(stopped);
        } else if (task instanceof Task.SnapshotArrived arrived) {
            discard(arrived);
        }
    }
}
