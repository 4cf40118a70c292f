package io.flotilla.testing;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which links between the cluster's nodes are cut: directed pairs ({@link FlotillaCluster#partition})
 * and whole nodes ({@link FlotillaCluster#isolate}). The cluster's, not a node's: it outlives a
 * node's restart, so a node restarted inside a partition comes back inside it, as a process
 * restarted behind a firewall rule does. Read on every message a node sends: thread-safe.
 */
final class Cuts {

    private record Link(long from, long to) {
    }

    private final Set<Link> cut = ConcurrentHashMap.newKeySet();
    private final Set<Long> isolated = ConcurrentHashMap.newKeySet();
    /** Paused nodes: they send nothing at all, as a stopped process does not (see {@link #silence}). */
    private final Set<Long> silent = ConcurrentHashMap.newKeySet();

    /** Whether anything {@code from} sends reaches {@code to}. */
    boolean connected(long from, long to) {
        return !isolated.contains(from) && !isolated.contains(to) && !cut.contains(new Link(from, to));
    }

    /** Whether only the pair's own cut stands between them (an isolated node cuts itself off). */
    boolean pairConnected(long from, long to) {
        return !cut.contains(new Link(from, to));
    }

    /**
     * Whether {@code from}'s Raft side may send to {@code to}: the pair is not cut and {@code from}
     * is not paused. A paused node's host stops its workers, but its failure detector's thread
     * would go on pinging its peers, and peers that hear pings from a leader whose groups are
     * quiesced never elect another; a stopped process pings no one.
     */
    boolean sends(long from, long to) {
        return !silent.contains(from) && pairConnected(from, to);
    }

    void silence(long node) {
        silent.add(node);
    }

    void unsilence(long node) {
        silent.remove(node);
    }

    void cut(long from, long to) {
        cut.add(new Link(from, to));
    }

    void isolate(long node) {
        isolated.add(node);
    }

    boolean isolated(long node) {
        return isolated.contains(node);
    }

    /** Removes every cut; paused nodes stay silent (they are not cut off, they are stopped). */
    void healAll() {
        cut.clear();
        isolated.clear();
    }
}
