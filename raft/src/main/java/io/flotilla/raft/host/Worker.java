package io.flotilla.raft.host;

import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.MpscUnboundedArrayQueue;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * One thread that owns a shard of the node's groups and does all their work: it drains its queues,
 * ticks the cores whose timers are due and hands their Readies to their logs, then sleeps until
 * the next timer or the next task. A group whose timers are far away and that receives nothing
 * costs nothing.
 *
 * <p>Two queues: a bounded one for what comes from outside (network, clients), which drops (or
 * refuses) when full rather than grow, and an unbounded one for completions of the worker's own
 * log writes, which must never be lost or a group would wait forever.
 */
final class Worker implements Runnable {

    private static final System.Logger LOG = System.getLogger(Worker.class.getName());

    private record Timer(long at, Replica replica) {
    }

    private final MpscArrayQueue<Task> inbound;
    private final MpscUnboundedArrayQueue<Task> completions = new MpscUnboundedArrayQueue<>(1024);
    private final Map<Long, Replica> replicas = new HashMap<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));
    private final Set<Replica> dirty = new LinkedHashSet<>();
    private final LongSupplier clock;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean paused;

    Worker(String name, int capacity, LongSupplier clock) {
        this.inbound = new MpscArrayQueue<>(capacity);
        this.clock = clock;
        this.thread = new Thread(this, name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Queues outside work; false if the queue is full. */
    boolean offer(Task task) {
        if (!inbound.offer(task)) {
            return false;
        }
        LockSupport.unpark(thread);
        return true;
    }

    /** Queues the completion of something this worker started; never dropped. */
    void complete(Task task) {
        completions.offer(task);
        LockSupport.unpark(thread);
    }

    /** Stops doing anything until resumed, like a process stopped by the OS; queued work waits. */
    void pause() {
        paused = true;
    }

    void resume() {
        paused = false;
        LockSupport.unpark(thread);
    }

    void stop() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            // The worker still stops on its own; keep the caller's interrupt for it to handle.
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        while (running) {
            if (paused) {
                LockSupport.park(this);
                continue;
            }
            int done = completions.drain(this::handle, 4096) + inbound.drain(this::handle, 4096);
            long now = clock.getAsLong();
            fireTimers(now);
            for (Replica r : dirty) {
                try {
                    r.flush(this::complete);
                    arm(r);
                } catch (RuntimeException e) {
                    fail(r, e);
                }
            }
            dirty.clear();
            if (done == 0 && inbound.isEmpty() && completions.isEmpty()) {
                Timer next = timers.peek();
                long wait = next == null ? 1_000_000_000L : next.at - clock.getAsLong();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                }
            }
        }
        GroupUnavailableException closed = null;
        for (Replica r : replicas.values()) {
            closed = r.stoppedError("the node is closing");
            r.stop(closed);
        }
        failQueued(inbound);
        failQueued(completions);
    }

    private static void failQueued(java.util.Queue<Task> queue) {
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
                r.compact(c.done());
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
        LOG.log(System.Logger.Level.ERROR, "group " + r.group + " stopped after an unexpected failure", e);
        // Left in the dirty set, a stopped replica flushes and arms nothing.
        r.stop(r.stoppedError("stopped after an unexpected failure: " + e));
    }

    private static <T> void serve(Replica r, Task.Read<T> read) {
        r.read(read.query(), read.result());
    }

    private static <T> void inspect(Replica r, Task.Inspect<T> i) {
        try {
            i.result().complete(i.function().apply(r.raft));
        } catch (RuntimeException e) {
            i.result().completeExceptionally(e);
        }
    }

    private static void discard(Task.SnapshotArrived arrived) {
        try {
            java.nio.file.Files.deleteIfExists(arrived.image());
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
