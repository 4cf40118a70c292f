package io.flotilla.raft.host;

import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.MemoryStorage;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.core.Storage;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A group log in memory, for embedded clusters and tests: it survives a host's crash and restart
 * within the process, and nothing else. Writes happen on the worker thread (so the core never reads
 * storage while it changes); the completion arrives later, from another thread, as a real log's
 * fsync would.
 */
public final class MemoryGroupLog implements GroupLog {

    private final MemoryStorage storage;
    private final Executor fsync;

    public MemoryGroupLog(Membership members, Executor fsync) {
        this.storage = new MemoryStorage(SnapshotMeta.bootstrap(members));
        this.fsync = fsync;
    }

    @Override
    public Storage storage() {
        return storage;
    }

    @Override
    public CompletableFuture<Void> persist(Ready ready) {
        storage.persist(ready);
        return CompletableFuture.runAsync(() -> { }, fsync);
    }
}
