package io.flotilla.raft.transport;

import io.flotilla.raft.core.Message;

/** Where the transport hands every message it receives; implemented by the multi-raft host. */
@FunctionalInterface
public interface InboundMessages {

    /**
     * Called on a Netty event loop, in the order the sending node sent the messages (coalesced
     * heartbeats of a batch come after its other messages). It must not block: every group whose
     * traffic shares that connection waits meanwhile. A runtime exception closes the connection
     * it came from; the sender reconnects.
     */
    void deliver(long group, Message message);

    /**
     * A frame arrived from {@code node} on its message connection (before its messages are
     * delivered): the node is live. Same thread and rules as {@link #deliver}.
     */
    default void heard(long node) {
    }
}
