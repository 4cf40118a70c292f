/**
 * The node-to-node transport on Netty: {@link io.flotilla.raft.transport.RaftTransport} carries
 * the messages of every Raft group between nodes, batched per peer with heartbeats coalesced, over
 * one length-prefixed TCP connection per direction, and streams snapshots on connections of their
 * own. It holds no Raft logic: received messages go to an
 * {@link io.flotilla.raft.transport.InboundMessages} and snapshot images to a
 * {@link io.flotilla.raft.transport.SnapshotSink}, both implemented by the host.
 */
package io.flotilla.raft.transport;
