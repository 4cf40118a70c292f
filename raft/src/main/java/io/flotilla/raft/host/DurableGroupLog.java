package io.flotilla.raft.host;

import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.Storage;
import io.flotilla.raft.log.DurableLog;
import io.flotilla.raft.log.WriteBatch;

import java.util.concurrent.CompletableFuture;

/** A group's log on disk: Readies go to the node's group-commit writer, reads to the log's index. */
public final class DurableGroupLog implements GroupLog {

    private final DurableLog log;

    public DurableGroupLog(DurableLog log) {
        this.log = log;
    }

    @Override
    public Storage storage() {
        return log;
    }

    @Override
    public CompletableFuture<Void> persist(Ready ready) {
        return log.append(WriteBatch.of(ready));
    }
}
