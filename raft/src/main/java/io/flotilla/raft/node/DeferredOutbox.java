package io.flotilla.raft.node;

import io.flotilla.raft.core.Message;
import io.flotilla.raft.host.Outbox;

import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.CompletableFuture;

/**
 * An outbox whose target is set after the host is built: the host needs its outbox, and the
 * transport behind the outbox needs the host to deliver to. Until it is set, nothing is sent
 * (Raft retransmits).
 */
public final class DeferredOutbox implements Outbox {

    private volatile Outbox target;

    public void set(Outbox target) {
        this.target = target;
    }

    @Override
    public void send(long group, Message message) {
        Outbox t = target;
        if (t != null) {
            t.send(group, message);
        }
    }

    @Override
    public CompletableFuture<Void> sendSnapshot(long group, Message.InstallSnapshot announcement, ReadableByteChannel image) {
        Outbox t = target;
        if (t == null) {
            try {
                image.close();
            } catch (java.io.IOException e) {
                return CompletableFuture.failedFuture(e);
            }
            return CompletableFuture.failedFuture(new java.io.IOException("the node's transport is not up yet"));
        }
        return t.sendSnapshot(group, announcement, image);
    }

    @Override
    public void ping(long node) {
        Outbox t = target;
        if (t != null) {
            t.ping(node);
        }
    }

    @Override
    public void replaceConnection(long node) {
        Outbox t = target;
        if (t != null) {
            t.replaceConnection(node);
        }
    }
}
