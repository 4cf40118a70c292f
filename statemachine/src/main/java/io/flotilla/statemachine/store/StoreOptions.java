package io.flotilla.statemachine.store;

/**
 * How a range's H2 database is opened.
 *
 * @param lockTimeoutMillis how long a statement waits for a row lock another transaction holds
 *        before it fails with {@code HYT00} (only that statement is rolled back)
 * @param writeDelayMillis how long H2's background writer lets commits wait before it writes them
 *        to the file ({@code WRITE_DELAY}); what the file holds after a crash is not used (the
 *        replica rebuilds from its Raft log, see {@link RangeStore#open}), so this bounds only what
 *        H2 keeps unwritten in memory
 */
public record StoreOptions(int lockTimeoutMillis, int writeDelayMillis) {

    public StoreOptions {
        if (lockTimeoutMillis < 1 || writeDelayMillis < 1) {
            throw new IllegalArgumentException("the lock timeout and write delay must be positive");
        }
    }

    /**
     * A node's: the leader holds H2 transactions open until Raft commits them, so a conflicting
     * writer waits for a quorum round trip, not just for local work (H2's 1 s default would fail
     * such writers under ordinary replication latency); commits reach the file in the background,
     * half a second after they are made (H2's default), since the Raft log is the write-ahead log.
     */
    public static StoreOptions defaults() {
        return new StoreOptions(10_000, 500);
    }

    /**
     * The whole-stack simulator's, whose seeded scheduler runs every statement on one thread: a
     * statement that meets another transaction's lock fails at once (no other thread could release
     * it; the simulated client retries later), and H2 writes its file only when it must (too much
     * unwritten data, which a commit finds on its own thread, or a shutdown), never on a timer, so
     * that what it does depends on the seed alone. A crashed replica rebuilds from its log, as one
     * does after a real crash.
     */
    public static StoreOptions deterministic() {
        return new StoreOptions(1, 86_400_000);
    }
}
