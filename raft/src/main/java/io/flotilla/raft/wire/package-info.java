/**
 * The protobuf wire and log format of the Raft core ({@code flotilla/raft/v1/raft.proto}) and
 * {@link io.flotilla.raft.wire.RaftCodec}, the only code that should touch the generated classes.
 * Everything decoded here is either a fully valid core record or a
 * {@link io.flotilla.raft.wire.MalformedMessageException}.
 */
package io.flotilla.raft.wire;
