package io.flotilla.raft.sim;

import java.util.HashSet;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Links between simulated nodes: each direction can be cut on its own, and messages that do get
 * through may be dropped, duplicated, delayed and so reordered.
 */
final class SimNetwork {

    private record Link(long from, long to) {
    }

    private final Set<Link> cut = new HashSet<>();
    private final RandomGenerator random;
    final double dropRate;
    final double duplicateRate;
    final double slowRate;

    SimNetwork(RandomGenerator random) {
        this.random = random;
        this.dropRate = random.nextDouble(0.0, 0.08);
        this.duplicateRate = random.nextDouble(0.0, 0.05);
        this.slowRate = random.nextDouble(0.0, 0.15);
    }

    boolean connected(long from, long to) {
        return !cut.contains(new Link(from, to));
    }

    void cut(long from, long to) {
        cut.add(new Link(from, to));
    }

    void cutBothWays(long a, long b) {
        cut(a, b);
        cut(b, a);
    }

    void heal(long from, long to) {
        cut.remove(new Link(from, to));
    }

    void healAll() {
        cut.clear();
    }

    boolean anyCut() {
        return !cut.isEmpty();
    }

    /** How many copies of a message arrive: 0 (cut or dropped), 1, or 2 (duplicated). */
    int copies(long from, long to) {
        if (!connected(from, to) || random.nextDouble() < dropRate) {
            return 0;
        }
        return random.nextDouble() < duplicateRate ? 2 : 1;
    }

    /** One-way latency in nanoseconds: usually sub-millisecond, sometimes tens of milliseconds. */
    long latency() {
        if (random.nextDouble() < slowRate) {
            return random.nextLong(2_000_000, 60_000_000);
        }
        return random.nextLong(50_000, 1_500_000);
    }
}
