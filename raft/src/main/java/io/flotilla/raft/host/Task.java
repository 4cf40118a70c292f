package io.flotilla.raft.host;

import io.flotilla.raft.core.Message;
import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.Ready;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/** Work for a group, handed to the worker thread that owns it. */
sealed interface Task {

    long group();

    record Deliver(long group, Message message) implements Task {
    }

    record Propose(long group, byte[] command, CompletableFuture<Committed> result) implements Task {
    }

    record Read<T>(long group, Supplier<T> query, CompletableFuture<T> result) implements Task {
    }

    /** Runs a function on the group's core, on its thread: status, transfers, membership changes. */
    record Inspect<T>(long group, Function<Raft, T> function, CompletableFuture<T> result) implements Task {
    }

    record Persisted(long group, Ready ready, Throwable failure) implements Task {
    }

    record Create(long group, Replica replica, CompletableFuture<Void> done) implements Task {
    }

    /** A snapshot transfer this node's core asked for finished (or failed). */
    record SnapshotSent(long group, long peer, boolean installed) implements Task {
    }

    /** A snapshot image from the leader arrived in full, spooled to a file. */
    record SnapshotArrived(long group, Message.InstallSnapshot announcement, java.nio.file.Path image) implements Task {
    }

    /** Compact the log up to what the state machine has applied. */
    record Compact(long group, CompletableFuture<io.flotilla.raft.core.SnapshotMeta> done) implements Task {
    }

    /**
     * A state machine image the group handed to its log is durable ({@code failure} null) or is
     * not: the save of a compaction or of a snapshot to install, told apart by the save itself.
     */
    record ImageSaved(long group, CompletableFuture<Void> save, Throwable failure) implements Task {
    }

    record Remove(long group, CompletableFuture<Void> done) implements Task {
    }

    /**
     * The node {@code leaderNode} stopped being live: every group on the worker that quiesced under
     * a leader there wakes up. Concerns no single group, so its group is 0 (no valid group id).
     */
    record WakeFollowers(long leaderNode) implements Task {
        @Override
        public long group() {
            return 0;
        }
    }
}
