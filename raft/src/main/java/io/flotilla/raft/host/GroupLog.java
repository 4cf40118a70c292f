package io.flotilla.raft.host;

import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.Storage;

import java.util.concurrent.CompletableFuture;

/**
 * Where one group's Readies become durable: the node's write-ahead log, or memory in tests. The
 * core reads what has been made durable through {@link #storage()}.
 */
public interface GroupLog {

    Storage storage();

    /**
     * Makes the snapshot, entries and hard state of a Ready durable. The future completes once they
     * are (after the fsync that covers them), or exceptionally if they cannot be: the group then
     * stops, because acknowledging anything after a failed write could lose acknowledged data.
     */
    CompletableFuture<Void> persist(Ready ready);
}
