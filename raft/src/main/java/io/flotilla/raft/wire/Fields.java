package io.flotilla.raft.wire;

import com.google.protobuf.MessageOrBuilder;

/** Range checks for decoded fields: uint64 on the wire, but the core only has (signed) longs. */
final class Fields {

    private Fields() {
    }

    /** A value of 2^63 or more arrives as a negative long; letting it through would flip its meaning. */
    static long unsigned(long raw, String field) throws MalformedMessageException {
        if (raw < 0) {
            throw new MalformedMessageException(field + " out of range: " + Long.toUnsignedString(raw));
        }
        return raw;
    }

    static long nodeId(long raw, String field) throws MalformedMessageException {
        if (raw <= 0) {
            throw new MalformedMessageException(field + " is not a valid node id: " + Long.toUnsignedString(raw));
        }
        return raw;
    }

    /** Names fields this decoder does not know, which usually means the sender is newer. */
    static String unknownFields(MessageOrBuilder message) {
        var numbers = message.getUnknownFields().asMap().keySet();
        return numbers.isEmpty() ? "" : " (unknown fields " + numbers + ", sent by a newer version?)";
    }
}
