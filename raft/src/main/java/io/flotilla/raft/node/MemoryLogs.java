package io.flotilla.raft.node;

import io.flotilla.raft.core.Membership;
import io.flotilla.raft.host.GroupLog;
import io.flotilla.raft.host.MemoryGroupLog;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * A node's logs in memory: kept by whoever outlives the node's restarts (an embedded cluster), so
 * a restarted node finds its groups' logs whole — a crash loses nothing. Faster than files, for
 * tests that need many runs.
 */
public final class MemoryLogs implements RaftNode.LogStore {

    private final Executor fsync;
    private final Map<Long, MemoryGroupLog> logs = new HashMap<>();

    /** @param fsync completes the writes, from another thread, as a real log's fsync would */
    public MemoryLogs(Executor fsync) {
        this.fsync = fsync;
    }

    @Override
    public synchronized GroupLog open(long group, Membership bootstrap) {
        return logs.computeIfAbsent(group, g -> new MemoryGroupLog(bootstrap, fsync));
    }

    /** Keeps the logs: they are memory, and outlive the node that closes. */
    @Override
    public void close() {
    }
}
