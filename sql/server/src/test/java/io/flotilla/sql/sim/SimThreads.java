package io.flotilla.sql.sim;

import io.flotilla.sql.node.Waits;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Threads the scheduler owns, for code that blocks: a node's start (it waits for its groups) and
 * the clients, whose requests run the node's session code as its connection threads would. Each
 * runs only while the scheduler's thread hands it control, and hands it back when it waits (as
 * {@link Waits}) or ends; so exactly one thread runs simulation code at any moment, in an order
 * the seed fixes, and a seed replays exactly although H2 blocks its callers' threads.
 */
final class SimThreads implements Waits, AutoCloseable {

    /** Unwinds a thread the simulation ended while it waited. */
    private static final class Ended extends Error {
        Ended() {
            super("the simulation ended", null, false, false);
        }
    }

    /** One incarnation of a node: the code of it that runs on a thread ends when it crashes. */
    record Incarnation(long node, int number) {
    }

    /** Unwinds a thread from the code of a node incarnation that crashed, to where it entered it. */
    private static final class Crashed extends Error {
        final Incarnation incarnation;

        Crashed(Incarnation incarnation) {
            super("node " + incarnation.node() + " crashed", null, false, false);
            this.incarnation = incarnation;
        }
    }

    private final class SimThread {
        final Semaphore go = new Semaphore(0);
        /** The node incarnations whose code this thread is in, innermost first. */
        final Deque<Incarnation> inside = new ArrayDeque<>();
        /** Set when one of them crashed: the thread unwinds to where it entered it. */
        Incarnation crashed;
        Thread thread;
        /** Which wait it is in: a wake-up meant for an earlier one is ignored. */
        long waitNumber;
        boolean waiting;
        boolean done;
        boolean ended;
    }

    private final Scheduler scheduler;
    /** Given back by the running thread when it waits or ends. */
    private final Semaphore back = new Semaphore(0);
    private final List<SimThread> threads = new ArrayList<>();
    private final ThreadLocal<SimThread> self = new ThreadLocal<>();
    /** Node incarnations that crashed: code of theirs that a thread returns to ends at once. */
    private final Set<Incarnation> gone = new HashSet<>();
    /** What a thread threw, if anything did: a bug in the simulation or in what it runs. */
    private final List<Throwable> failures = new ArrayList<>();

    SimThreads(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** Starts {@code body} on a thread of its own, as the scheduler's next action at this time. */
    void spawn(String name, Runnable body) {
        SimThread t = new SimThread();
        t.thread = new Thread(() -> {
            self.set(t);
            t.go.acquireUninterruptibly();
            try {
                if (!t.ended) {
                    body.run();
                }
            } catch (Ended e) {
                // Unwound at the end of the run.
            } catch (Throwable e) {
                if (!t.ended) {
                    failures.add(e);
                }
            } finally {
                t.done = true;
                back.release();
            }
        }, "sim-" + name);
        t.thread.setDaemon(true);
        threads.add(t);
        t.thread.start();
        scheduler.after(0, () -> run(t));
    }

    /** Runs the thread until it waits or ends; on the scheduler's thread. */
    private void run(SimThread t) {
        if (t.done) {
            return;
        }
        t.go.release();
        back.acquireUninterruptibly();
    }

    private void wake(SimThread t, long waitNumber) {
        if (t.waiting && t.waitNumber == waitNumber) {
            t.waiting = false;
            run(t);
        }
    }

    /** Gives control back to the scheduler until {@code wake} is scheduled for this wait. */
    private void await(SimThread me) {
        if (me.ended) {
            // Unwinding already: a wait in a finally block must not hand control back again.
            throw new Ended();
        }
        if (me.inside.peek() != null && gone.contains(me.inside.peek())) {
            // Its node is gone: the code that would wait here died with it.
            throw new Crashed(me.inside.peek());
        }
        me.waiting = true;
        back.release();
        me.go.acquireUninterruptibly();
        if (me.ended) {
            throw new Ended();
        }
        if (me.crashed != null) {
            Incarnation gone = me.crashed;
            me.crashed = null;
            throw new Crashed(gone);
        }
    }

    /**
     * Runs code of a node's incarnation on the calling simulated thread, as that node's own thread
     * would run it (a request handed to it over a connection): empty if the node crashed meanwhile
     * (its process, and this code with it, ended). Code of another node that this one called
     * (a request it forwarded) runs on to its end, as that node's thread would; the crash ends the
     * thread when it comes back.
     */
    <T> Optional<T> inside(Incarnation incarnation, Supplier<T> body) {
        SimThread me = current();
        me.inside.push(incarnation);
        Optional<T> result;
        try {
            result = Optional.of(body.get());
        } catch (Crashed c) {
            if (!c.incarnation.equals(incarnation)) {
                throw c;
            }
            result = Optional.empty();
        } finally {
            me.inside.pop();
        }
        Incarnation caller = me.inside.peek();
        if (caller != null && gone.contains(caller)) {
            throw new Crashed(caller);
        }
        return result;
    }

    /**
     * A node crashed: every thread waiting in its code (innermost) unwinds from it, as the
     * scheduler's next action; threads in other nodes' code on its behalf end when they return.
     */
    void crashed(Incarnation incarnation) {
        gone.add(incarnation);
        for (SimThread t : threads) {
            if (!t.done && t.waiting && incarnation.equals(t.inside.peek())) {
                t.crashed = incarnation;
                // Wake-ups already scheduled for this wait are stale now.
                long number = ++t.waitNumber;
                scheduler.after(0, () -> wake(t, number));
            }
        }
    }

    private SimThread current() {
        SimThread me = self.get();
        if (me == null) {
            throw new IllegalStateException("only a simulated thread may wait: " + Thread.currentThread().getName());
        }
        return me;
    }

    @Override
    public long nanoTime() {
        return scheduler.now();
    }

    @Override
    public <T> T await(CompletableFuture<T> future, long timeoutNanos)
            throws ExecutionException, TimeoutException, InterruptedException {
        if (!future.isDone()) {
            SimThread me = current();
            long number = ++me.waitNumber;
            future.whenComplete((value, failure) -> scheduler.after(0, () -> wake(me, number)));
            scheduler.after(Math.min(timeoutNanos, Long.MAX_VALUE / 4), () -> wake(me, number));
            await(me);
        }
        if (!future.isDone()) {
            throw new TimeoutException();
        }
        return future.get();
    }

    @Override
    public void sleep(long nanos) {
        SimThread me = current();
        long number = ++me.waitNumber;
        scheduler.after(nanos, () -> wake(me, number));
        await(me);
    }

    /** What threads threw, other than by being ended. */
    List<Throwable> failures() {
        return failures;
    }

    /** Ends every thread still waiting, one at a time: each unwinds from its wait. */
    @Override
    public void close() {
        for (SimThread t : threads) {
            if (!t.done) {
                t.ended = true;
                t.go.release();
                back.acquireUninterruptibly();
            }
        }
        threads.clear();
    }
}
