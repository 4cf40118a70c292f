package io.flotilla.bench.host;

import io.flotilla.raft.core.Message;
import io.flotilla.raft.host.Outbox;
import io.flotilla.raft.host.RaftHost;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * A host's outbox to other hosts of the same JVM: each message handed straight to the host it is
 * for (which hears from the sender, as over a link), counted. For benchmarks of idle groups, which
 * never need a snapshot.
 */
final class InMemoryOutbox implements Outbox {

    private final long self;
    private final Map<Long, RaftHost> hosts;
    private final LongAdder messages;

    /** @param hosts every host by id, filled in by the caller as it creates them */
    InMemoryOutbox(long self, Map<Long, RaftHost> hosts, LongAdder messages) {
        this.self = self;
        this.hosts = hosts;
        this.messages = messages;
    }

    @Override
    public void send(long group, Message m) {
        messages.increment();
        RaftHost to = hosts.get(m.to());
        if (to != null) {
            to.heard(self);
            to.deliver(group, m);
        }
    }

    @Override
    public CompletableFuture<Void> sendSnapshot(long group, Message.InstallSnapshot announcement, ReadableByteChannel image) {
        return CompletableFuture.failedFuture(new IOException("idle groups never need snapshots"));
    }

    @Override
    public void ping(long node) {
        messages.increment();
        RaftHost to = hosts.get(node);
        if (to != null) {
            to.heard(self);
        }
    }

    @Override
    public void replaceConnection(long node) {
        // In-memory hand-over: nothing buffered to give up.
    }
}
