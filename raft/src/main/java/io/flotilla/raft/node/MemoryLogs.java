package io.flotilla.raft.node;

import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.host.GroupLog;
import io.flotilla.raft.host.MemoryGroupLog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.FileAlreadyExistsException;
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

    @Override
    public synchronized boolean holds(long group) {
        return logs.containsKey(group);
    }

    @Override
    public synchronized void create(long group, SnapshotMeta base, ReadableByteChannel image) throws IOException {
        byte[] bytes;
        try (InputStream in = Channels.newInputStream(image)) {
            bytes = in.readAllBytes();
        }
        if (logs.containsKey(group)) {
            throw new FileAlreadyExistsException("the log of group " + group);
        }
        logs.put(group, new MemoryGroupLog(base, bytes, fsync));
    }

    /** Keeps the logs: they are memory, and outlive the node that closes. */
    @Override
    public void close() {
    }
}
