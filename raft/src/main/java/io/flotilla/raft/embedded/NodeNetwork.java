package io.flotilla.raft.embedded;

import io.flotilla.raft.host.Outbox;
import io.flotilla.raft.host.RaftHost;

import java.io.IOException;

/** How the embedded cluster's nodes reach each other: over loopback sockets, or in memory. */
interface NodeNetwork extends AutoCloseable {

    /** Connects a (re)started node's host; returns the outbox it sends through. */
    Outbox attach(long node, RaftHost host) throws IOException;

    /** The node is down: it sends and receives nothing until attached again. */
    void detach(long node);

    @Override
    void close();
}
