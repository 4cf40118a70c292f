package io.flotilla.raft.wire;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;

/**
 * A group message already converted to its wire form (a heartbeat to its coalesced form), so
 * that the thread that sends it pays for the conversion and the event loop that batches many of
 * them only concatenates bytes. Made by {@link FrameCodec#prepare}.
 */
public final class PreparedMessage {

    final long from;
    final long to;
    /** A RaftMessage, GroupHeartbeat or GroupHeartbeatResponse. */
    final MessageLite proto;
    /** The Batch field this goes into. */
    final int field;
    private final int batchBytes;

    PreparedMessage(long from, long to, MessageLite proto, int field) {
        this.from = from;
        this.to = to;
        this.proto = proto;
        this.field = field;
        this.batchBytes = CodedOutputStream.computeMessageSize(field, proto);
    }

    public long to() {
        return to;
    }

    /** How many bytes this adds to a batch frame, tag and length included. */
    public int batchBytes() {
        return batchBytes;
    }
}
