package io.flotilla.raft.host;

import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.core.Storage;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Everything durable about one group's replica except its state machine: the Raft log, and the
 * image of the state machine at the log's snapshot. The core reads what has been made durable
 * through {@link #storage()}.
 */
public interface GroupLog {

    Storage storage();

    /**
     * Makes the snapshot, entries and hard state of a Ready durable. The future completes once they
     * are (after the fsync that covers them), or exceptionally if they cannot be: the group then
     * stops, because acknowledging anything after a failed write could lose acknowledged data. A
     * Ready's snapshot must have had its image saved first.
     */
    CompletableFuture<Void> persist(Ready ready);

    /**
     * Durably saves the state machine image for a snapshot, before the log compacts to it or
     * installs it. The image is read to its end and closed on a thread of the log's choosing, not
     * the caller's (a large one takes seconds, which a group's thread must not spend), or, in a
     * simulation, wherever its seed says. The future completes once the image is durable, or fails
     * with why it is not; cancelling it abandons the save, and leaves nothing of it behind.
     */
    CompletableFuture<Void> saveImage(SnapshotMeta meta, ReadableByteChannel image);

    /** The image saved for the log's current snapshot; empty for a group's bootstrap (index 0). */
    Optional<ReadableByteChannel> image() throws IOException;

    /** Drops the log up to a snapshot whose image is saved; completes when that is durable. */
    CompletableFuture<Void> compact(SnapshotMeta to);
}
