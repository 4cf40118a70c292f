package io.flotilla.raft.transport;

/**
 * Counters of what this node received since the transport started.
 *
 * @param frames             batch frames received on message connections
 * @param messages           messages delivered, heartbeats counted one per group
 * @param failedConnections  accepted connections closed for a malformed or oversized frame or a
 *                           protocol violation (network errors not counted)
 */
public record InboundStats(long frames, long messages, long failedConnections) {
}
