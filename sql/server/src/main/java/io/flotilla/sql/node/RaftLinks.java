package io.flotilla.sql.node;

import io.flotilla.raft.core.Message;
import io.flotilla.raft.host.Outbox;
import io.flotilla.raft.transport.InboundMessages;
import io.flotilla.raft.transport.SnapshotSinks;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.CompletableFuture;

/**
 * The node's Raft traffic, both ways, through a switch that can cut it: a fault hook that
 * partitions this node's replicas from their groups while its client port stays up (a Raft network
 * failure, not a crash). While cut, nothing goes out or comes in — messages, liveness pings,
 * snapshots — as if every packet were lost; Raft retransmits once the links are restored.
 */
final class RaftLinks {

    private volatile boolean cut;

    void cut() {
        cut = true;
    }

    void restore() {
        cut = false;
    }

    Outbox outbound(Outbox to) {
        return new Outbox() {
            @Override
            public void send(long group, Message message) {
                if (!cut) {
                    to.send(group, message);
                }
            }

            @Override
            public CompletableFuture<Void> sendSnapshot(long group, Message.InstallSnapshot announcement,
                                                        ReadableByteChannel image) {
                if (!cut) {
                    return to.sendSnapshot(group, announcement, image);
                }
                try {
                    image.close();
                } catch (IOException e) {
                    return CompletableFuture.failedFuture(e);
                }
                return CompletableFuture.failedFuture(new IOException("this node's Raft links are cut"));
            }

            @Override
            public void ping(long node) {
                if (!cut) {
                    to.ping(node);
                }
            }

            @Override
            public void replaceConnection(long node) {
                to.replaceConnection(node);
            }
        };
    }

    InboundMessages inbound(InboundMessages to) {
        return new InboundMessages() {
            @Override
            public void deliver(long group, Message message) {
                if (!cut) {
                    to.deliver(group, message);
                }
            }

            @Override
            public void heard(long node) {
                if (!cut) {
                    to.heard(node);
                }
            }
        };
    }

    SnapshotSinks snapshots(SnapshotSinks to) {
        return (group, announcement) -> {
            if (cut) {
                throw new IOException("this node's Raft links are cut");
            }
            return to.open(group, announcement);
        };
    }
}
