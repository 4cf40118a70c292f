package io.flotilla.raft.host;

import io.flotilla.raft.core.Message;

/** How a node's groups reach other nodes: the transport, or an in-memory network in tests. */
public interface Outbox {

    /** Sends without blocking; a message that cannot be sent is dropped (Raft retransmits). */
    void send(long group, Message message);
}
