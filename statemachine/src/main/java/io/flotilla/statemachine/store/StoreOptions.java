package io.flotilla.statemachine.store;

/**
 * How a range's H2 database is opened.
 *
 * @param lockTimeoutMillis how long a statement waits for a row lock another transaction holds
 *        before it fails with {@code HYT00} (only that statement is rolled back)
 * @param writeEachCommit whether H2 writes every commit to its file as it is made
 *        ({@code WRITE_DELAY=0}) instead of from a background thread every half second
 */
public record StoreOptions(int lockTimeoutMillis, boolean writeEachCommit) {

    public StoreOptions {
        if (lockTimeoutMillis < 1) {
            throw new IllegalArgumentException("the lock timeout must be positive");
        }
    }

    /**
     * A node's: the leader holds H2 transactions open until Raft commits them, so a conflicting
     * writer waits for a quorum round trip, not just for local work (H2's 1 s default would fail
     * such writers under ordinary replication latency); commits reach the file in the background,
     * since the Raft log is the write-ahead log.
     */
    public static StoreOptions defaults() {
        return new StoreOptions(10_000, false);
    }

    /**
     * The whole-stack simulator's, whose seeded scheduler runs every statement on one thread: a
     * statement that meets another transaction's lock fails at once (no other thread could release
     * it; the simulated client retries later), and what a crash keeps of H2's file depends on the
     * seed alone, never on when a background writer happened to run.
     */
    public static StoreOptions deterministic() {
        return new StoreOptions(1, true);
    }
}
