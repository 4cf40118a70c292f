package io.flotilla.raft.transport;

import java.util.concurrent.atomic.AtomicLong;

/** Shared by every accepted connection of one transport; read as {@link InboundStats}. */
final class InboundCounters {

    final AtomicLong frames = new AtomicLong();
    final AtomicLong messages = new AtomicLong();
    final AtomicLong failedConnections = new AtomicLong();

    InboundStats snapshot() {
        return new InboundStats(frames.get(), messages.get(), failedConnections.get());
    }
}
