package io.flotilla.raft.transport;

/**
 * Counters of the outbound traffic to one peer since the transport started.
 *
 * @param queuedMessages   waiting to be sent now
 * @param queuedBytes      their encoded size
 * @param sentMessages     handed to the connection (not necessarily received: a connection that
 *                         breaks loses what was in flight)
 * @param sentFrames       batch frames those went out in
 * @param droppedQueueFull dropped because the queue was at one of its bounds
 * @param droppedOversized dropped because a single message would not fit in a frame
 * @param connects         connections established (the first one included)
 */
public record PeerStats(
        long queuedMessages,
        long queuedBytes,
        long sentMessages,
        long sentFrames,
        long droppedQueueFull,
        long droppedOversized,
        long connects) {
}
