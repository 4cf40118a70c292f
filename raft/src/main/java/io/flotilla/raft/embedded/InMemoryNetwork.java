package io.flotilla.raft.embedded;

import io.flotilla.raft.core.Message;
import io.flotilla.raft.host.IncomingSnapshot;
import io.flotilla.raft.host.Outbox;
import io.flotilla.raft.host.RaftHost;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Delivers messages between hosts in one JVM, straight into the receiver's queue, through the
 * cuts of {@link Links}. A node that is down or paused receives nothing.
 */
final class InMemoryNetwork implements NodeNetwork {

    private final Map<Long, RaftHost> reachable = new ConcurrentHashMap<>();
    private final Links links;
    private final ExecutorService streams = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "embedded-snapshot-stream");
        t.setDaemon(true);
        return t;
    });

    InMemoryNetwork(Links links) {
        this.links = links;
    }


    private void send(long from, long group, Message message) {
        RaftHost to = reachable.get(message.to());
        if (to != null && reachable.containsKey(from) && links.connected(from, message.to())) {
            to.heard(from);
            to.deliver(group, message);
        }
    }

    private void ping(long from, long node) {
        RaftHost to = reachable.get(node);
        if (to != null && reachable.containsKey(from) && links.connected(from, node)) {
            to.heard(from);
        }
    }

    @Override
    public Outbox attach(long node, RaftHost host) {
        reachable.put(node, host);
        return new Outbox() {
            @Override
            public void send(long group, Message message) {
                InMemoryNetwork.this.send(node, group, message);
            }

            @Override
            public CompletableFuture<Void> sendSnapshot(long group, Message.InstallSnapshot announcement,
                                                        ReadableByteChannel image) {
                return CompletableFuture.runAsync(() -> stream(node, group, announcement, image), streams);
            }

            @Override
            public void ping(long peer) {
                InMemoryNetwork.this.ping(node, peer);
            }

            @Override
            public void replaceConnection(long peer) {
                // Nothing is buffered between two hosts here: a cut drops messages, it never delays them.
            }
        };
    }

    /** Copies an image into the receiving host in chunks, as the transport would, on a thread of its own. */
    private void stream(long from, long group, Message.InstallSnapshot announcement, ReadableByteChannel image) {
        try (image) {
            RaftHost to = reachable.get(announcement.to());
            if (to == null || !reachable.containsKey(from) || !links.connected(from, announcement.to())) {
                throw new IOException("node " + announcement.to() + " cannot be reached");
            }
            IncomingSnapshot incoming = to.receiveSnapshot(group, announcement);
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
            try {
                while (image.read(chunk) >= 0) {
                    chunk.flip();
                    incoming.accept(chunk);
                    chunk.clear();
                }
                incoming.complete();
            } catch (IOException | RuntimeException e) {
                incoming.abort(e);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void detach(long node) {
        reachable.remove(node);
    }

    @Override
    public void close() {
        reachable.clear();
        streams.shutdownNow();
    }
}
