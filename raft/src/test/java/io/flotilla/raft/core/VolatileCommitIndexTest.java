package io.flotilla.raft.core;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The host writes an advanced commit index without waiting for it to be durable, so after a crash
 * the state machine may have applied beyond the commit index the log kept. A restart takes what
 * was applied as committed (only committed entries are ever applied) instead of refusing to start.
 */
class VolatileCommitIndexTest {

    private static MemoryStorage storageWithEntriesUpTo(long last, long durableCommit) {
        MemoryStorage storage = new MemoryStorage(SnapshotMeta.bootstrap(Membership.of(List.of(1L, 2L, 3L), List.of())));
        List<Entry> entries = new java.util.ArrayList<>();
        for (long i = 1; i <= last; i++) {
            entries.add(new Entry(1, i, new Payload.Command(new byte[] {(byte) i})));
        }
        storage.persist(new Ready(new HardState(1, 1, durableCommit), null, entries, List.of(), List.of(), List.of(),
                List.of(), List.of(), List.of()));
        return storage;
    }

    @Test
    void appliedBeyondTheDurableCommitIndexCountsAsCommitted() {
        MemoryStorage storage = storageWithEntriesUpTo(5, 3);
        Raft raft = new Raft(Config.of(1).withApplied(5), storage, () -> 0L, new SplittableRandom(1), null);
        assertEquals(5, raft.committed());
    }

    @Test
    void theDurableCommitIndexStandsWhenTheStateMachineIsBehind() {
        MemoryStorage storage = storageWithEntriesUpTo(5, 4);
        Raft raft = new Raft(Config.of(1).withApplied(2), storage, () -> 0L, new SplittableRandom(1), null);
        assertEquals(4, raft.committed());
    }

    @Test
    void appliedBeyondTheLogIsStillRefused() {
        MemoryStorage storage = storageWithEntriesUpTo(5, 5);
        assertThrows(IllegalStateException.class,
                () -> new Raft(Config.of(1).withApplied(7), storage, () -> 0L, new SplittableRandom(1), null));
    }
}
