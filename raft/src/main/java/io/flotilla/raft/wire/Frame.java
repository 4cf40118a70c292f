package io.flotilla.raft.wire;

import io.flotilla.raft.core.Message;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * One unit on a node-to-node connection, as {@link FrameCodec} decodes it (see the comment on
 * {@code Frame} in raft.proto for which connection carries which kinds).
 */
public sealed interface Frame {

    /**
     * Opens a message connection from {@code from} to {@code to}; {@code listenAddress} is where
     * the dialer accepts connections ("host:port"), or empty.
     */
    record Hello(long from, long to, String listenAddress) implements Frame {

        public Hello(long from, long to) {
            this(from, to, "");
        }
    }

    /**
     * Messages from one node to another, of any groups. Decoded batches list the coalesced
     * heartbeats (and responses) expanded, after the other messages.
     */
    record Batch(long from, long to, List<GroupMessage> messages) implements Frame {
        public Batch {
            messages = List.copyOf(messages);
        }
    }

    /** Opens a snapshot connection: the message the receiving host steps in once the image is complete. */
    record SnapshotHeader(long group, Message.InstallSnapshot announcement) implements Frame {
        public SnapshotHeader {
            Objects.requireNonNull(announcement, "announcement");
        }
    }

    /** A piece of the image; the buffer is read-only and owned by whoever received the frame. */
    record SnapshotChunk(ByteBuffer data) implements Frame {
        public SnapshotChunk {
            data = data.asReadOnlyBuffer();
        }
    }

    /** What the sender sent, so the receiver can tell a complete image from a cut one. */
    record SnapshotEnd(long chunks, long bytes, int crc32c) implements Frame {
    }

    record SnapshotAccepted() implements Frame {
    }

    record SnapshotRefused(String reason) implements Frame {
        public SnapshotRefused {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
