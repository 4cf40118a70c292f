package io.flotilla.raft.node;

import io.flotilla.raft.core.Message;
import io.flotilla.raft.host.IncomingSnapshot;
import io.flotilla.raft.host.Outbox;
import io.flotilla.raft.host.RaftHost;
import io.flotilla.raft.transport.InboundMessages;
import io.flotilla.raft.transport.RaftTransport;
import io.flotilla.raft.transport.SnapshotSink;
import io.flotilla.raft.transport.SnapshotSinks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.CompletableFuture;

/** Plugs a {@link RaftHost} into a {@link RaftTransport}: what arrives goes to the host, what the host sends goes out. */
public final class HostEndpoints {

    private HostEndpoints() {
    }

    /** Messages and liveness from the transport, into the host. */
    public static InboundMessages inbound(RaftHost host) {
        return new InboundMessages() {
            @Override
            public void deliver(long group, Message message) {
                host.deliver(group, message);
            }

            @Override
            public void heard(long node) {
                host.heard(node);
            }
        };
    }

    /** Snapshot streams from the transport, spooled by the host. */
    public static SnapshotSinks snapshots(RaftHost host) {
        return (group, announcement) -> {
            IncomingSnapshot incoming = host.receiveSnapshot(group, announcement);
            return new SnapshotSink() {
                @Override
                public void accept(ByteBuffer chunk) throws IOException {
                    incoming.accept(chunk);
                }

                @Override
                public void complete() throws IOException {
                    incoming.complete();
                }

                @Override
                public void abort(Throwable cause) {
                    incoming.abort(cause);
                }
            };
        };
    }

    /** The host's outbox onto the transport. */
    public static Outbox outbox(RaftTransport transport) {
        return new Outbox() {
            @Override
            public void send(long group, Message message) {
                transport.send(group, message);
            }

            @Override
            public CompletableFuture<Void> sendSnapshot(long group, Message.InstallSnapshot announcement,
                                                        ReadableByteChannel image) {
                return transport.sendSnapshot(group, announcement, image);
            }

            @Override
            public void ping(long node) {
                transport.ping(node);
            }

            @Override
            public void replaceConnection(long node) {
                transport.replaceConnection(node);
            }
        };
    }
}
