package io.flotilla.raft.wire;

import io.flotilla.raft.core.Message;
import java.util.Objects;

/**
 * A core message addressed to one Raft group. The core never sees group ids; the transport and
 * the multi-raft host route on them.
 */
public record GroupMessage(long group, Message message) {

    public GroupMessage {
        if (group < 0) {
            throw new IllegalArgumentException("group out of range: " + Long.toUnsignedString(group));
        }
        Objects.requireNonNull(message, "message");
    }
}
