package io.flotilla.raft.host;

import io.flotilla.raft.core.Message;

import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.CompletableFuture;

/** Sends through the node's outbox and tells the failure detector which nodes this node talks to. */
final class PeerTrackingOutbox implements Outbox {

    private final Outbox outbox;
    private final NodeLiveness liveness;

    PeerTrackingOutbox(Outbox outbox, NodeLiveness liveness) {
        this.outbox = outbox;
        this.liveness = liveness;
    }

    @Override
    public void send(long group, Message message) {
        liveness.sendsTo(message.to());
        outbox.send(group, message);
    }

    @Override
    public CompletableFuture<Void> sendSnapshot(long group, Message.InstallSnapshot announcement, ReadableByteChannel image) {
        return outbox.sendSnapshot(group, announcement, image);
    }

    @Override
    public void ping(long node) {
        outbox.ping(node);
    }

    @Override
    public void replaceConnection(long node) {
        outbox.replaceConnection(node);
    }
}
