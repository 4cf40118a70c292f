/**
 * The protobuf wire and log format of the Raft core ({@code flotilla/raft/v1/raft.proto}):
 * {@link io.flotilla.raft.wire.RaftCodec} for the core's records and
 * {@link io.flotilla.raft.wire.FrameCodec} for the frames of the node-to-node transport are the
 * only code that should touch the generated classes. Everything decoded here is either fully
 * valid or a {@link io.flotilla.raft.wire.MalformedMessageException}.
 */
package io.flotilla.raft.wire;
