package io.flotilla.raft.host;

import io.flotilla.raft.core.Liveness;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The node's failure detector: one ping per peer node per interval, whatever the number of groups
 * the two nodes share, and a node counts as live while something arrived from it within the
 * timeout. Quiesced groups lean on it instead of heartbeating; when a node stops being live, every
 * group here that quiesced under a leader on that node is woken so its election timer runs again.
 *
 * <p>Owns one thread, whose only job is to ping and to notice lapses.
 */
final class NodeLiveness implements Liveness, AutoCloseable {

    private final long self;
    private final long timeout;
    private final long pingInterval;
    private final LongSupplier clock;
    private final Outbox outbox;
    private final LongConsumer lapsed;
    /** When each peer was last heard from; a peer is known once heard from or sent to. */
    private final Map<Long, Long> lastHeard = new ConcurrentHashMap<>();
    private final Set<Long> live = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param timeout nanoseconds without a word from a node after which it is not live
     * @param lapsed told (on this detector's thread) of each node that stopped being live
     */
    NodeLiveness(long self, long timeout, LongSupplier clock, Outbox outbox, LongConsumer lapsed) {
        if (timeout <= 0) {
            throw new IllegalArgumentException("the liveness timeout must be positive");
        }
        this.self = self;
        this.timeout = timeout;
        // Several pings per timeout, so one lost ping does not make a node look dead.
        this.pingInterval = Math.max(1, timeout / 4);
        this.clock = clock;
        this.outbox = outbox;
        this.lapsed = lapsed;
        this.thread = new Thread(this::run, "raft-host-" + self + "-liveness");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Something arrived from {@code node}: a message of any group, or a ping. */
    void heard(long node) {
        lastHeard.put(node, clock.getAsLong());
        live.add(node);
    }

    /** This node sends to {@code node}: ping it from now on, so it hears from us even when our groups are quiet. */
    void sendsTo(long node) {
        if (node != self && !lastHeard.containsKey(node)) {
            // Never heard from: not live until it answers, but known, so pinged.
            lastHeard.putIfAbsent(node, Long.MIN_VALUE);
        }
    }

    @Override
    public boolean isLive(long node) {
        if (node == self) {
            return true;
        }
        Long at = lastHeard.get(node);
        return at != null && at != Long.MIN_VALUE && clock.getAsLong() - at < timeout;
    }

    private void run() {
        while (running) {
            for (long node : lastHeard.keySet()) {
                outbox.ping(node);
                if (!isLive(node) && live.remove(node)) {
                    lapsed.accept(node);
                }
            }
            LockSupport.parkNanos(this, pingInterval);
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
