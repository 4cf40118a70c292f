package io.flotilla.raft.host;

import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The thread that runs one {@link GroupLoop} in a node: rounds while there is work, then sleeps
 * until the next timer or until something is queued.
 */
final class Worker implements Runnable {

    private final GroupLoop loop;
    private final LongSupplier clock;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean paused;
    /** Guards {@link #atRest}. */
    private final Object rest = new Object();
    /** The thread is parked because it is paused, between rounds: nothing of the loop runs. */
    private boolean atRest;

    Worker(String name, int capacity, LongSupplier clock, Consumer<GroupFailure> failures) {
        this.clock = clock;
        this.thread = new Thread(this, name);
        this.thread.setDaemon(true);
        this.loop = new GroupLoop(capacity, clock, failures, woken -> LockSupport.unpark(thread));
    }

    GroupLoop loop() {
        return loop;
    }

    void start() {
        thread.start();
    }

    /**
     * Stops doing anything until resumed, like a process stopped by the OS; queued work waits.
     * Returns once the thread is at rest between rounds (at once when the thread itself asks): a
     * round under way finishes first, and none begins after.
     */
    void pause() {
        paused = true;
        if (Thread.currentThread() == thread) {
            return;
        }
        LockSupport.unpark(thread);
        boolean interrupted = false;
        synchronized (rest) {
            while (!atRest && running && thread.isAlive()) {
                try {
                    rest.wait(10);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
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
                synchronized (rest) {
                    atRest = true;
                    rest.notifyAll();
                }
                LockSupport.park(this);
                continue;
            }
            if (atRest) {
                synchronized (rest) {
                    atRest = false;
                }
            }
            boolean handled = loop.runOnce();
            if (!handled && !loop.hasQueued()) {
                long next = loop.nextTimerAt();
                long wait = next == Long.MAX_VALUE ? 1_000_000_000L : next - clock.getAsLong();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                }
            }
        }
        loop.close();
    }
}
