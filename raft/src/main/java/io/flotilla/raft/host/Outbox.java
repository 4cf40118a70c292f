package io.flotilla.raft.host;

import io.flotilla.raft.core.Message;

import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.CompletableFuture;

/** How a node's groups reach other nodes: the transport, or an in-memory network in tests. */
public interface Outbox {

    /** Sends without blocking; a message that cannot be sent is dropped (Raft retransmits). */
    void send(long group, Message message);

    /**
     * Streams a state machine image to the node the announcement is for, off the caller's thread;
     * completes once the receiver has all of it, or fails. Closes the image when done.
     */
    CompletableFuture<Void> sendSnapshot(long group, Message.InstallSnapshot announcement, ReadableByteChannel image);

    /**
     * Tells {@code node} this node is live, with the smallest thing the link carries; without
     * blocking, and dropped like any message when it cannot go. The receiving host is told through
     * {@link RaftHost#heard(long)}.
     */
    void ping(long node);

    /**
     * {@code node} fell silent (nothing arrived from it for the liveness timeout): the connection
     * to it is given up at once, with whatever it still holds, and dialled anew. Over TCP, what was
     * sent into a cut is retransmitted after the heal on the kernel's back-off, up to seconds later:
     * a deposed leader's heartbeats then reach its followers after the heal and put their election
     * off by another election timeout (found by the network tests' flapping link). A network
     * without such buffers does nothing.
     */
    void replaceConnection(long node);
}
