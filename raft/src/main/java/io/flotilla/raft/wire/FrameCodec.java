package io.flotilla.raft.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.flotilla.raft.core.Message;
import io.flotilla.raft.wire.proto.Batch;
import io.flotilla.raft.wire.proto.GroupHeartbeat;
import io.flotilla.raft.wire.proto.GroupHeartbeatResponse;
import io.flotilla.raft.wire.proto.Hello;
import io.flotilla.raft.wire.proto.RaftMessage;
import io.flotilla.raft.wire.proto.SnapshotAccepted;
import io.flotilla.raft.wire.proto.SnapshotChunk;
import io.flotilla.raft.wire.proto.SnapshotEnd;
import io.flotilla.raft.wire.proto.SnapshotHeader;
import io.flotilla.raft.wire.proto.SnapshotRefused;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes and decodes the frames of the node-to-node transport ({@code Frame} in raft.proto).
 * Decoding returns a frame that passed every check, or throws {@link MalformedMessageException}.
 *
 * <p>Batches are built from {@link PreparedMessage}s rather than from a {@link Frame.Batch}, so
 * that conversion happens where messages are sent and batching costs the event loop no more than
 * a copy; {@link #encode(Frame)} also takes a batch, for tests and one-off use.
 */
public final class FrameCodec {

    /** The only protocol version so far; a Hello with another one is refused. */
    public static final int VERSION = 1;

    /**
     * Upper bound of what a batch frame adds around its messages (frame tag and length, from,
     * to): a batch whose messages' {@link PreparedMessage#batchBytes()} sum to at most
     * {@code maxFrameBytes - BATCH_OVERHEAD_BYTES} fits in {@code maxFrameBytes}.
     */
    public static final int BATCH_OVERHEAD_BYTES = 32;

    private FrameCodec() {
    }

    /** Converts one message for a later {@link #encodeBatch}; heartbeats take their coalesced form. */
    public static PreparedMessage prepare(long group, Message message) {
        new GroupMessage(group, message); // the same argument checks as everywhere else
        if (message instanceof Message.Heartbeat h) {
            return new PreparedMessage(h.from(), h.to(), GroupHeartbeat.newBuilder()
                    .setGroup(group).setTerm(h.term()).setCommit(h.commit()).setRound(h.round())
                    .setQuiesce(h.quiesce()).build(),
                    Batch.HEARTBEATS_FIELD_NUMBER);
        }
        if (message instanceof Message.HeartbeatResponse r) {
            return new PreparedMessage(r.from(), r.to(), GroupHeartbeatResponse.newBuilder()
                    .setGroup(group).setTerm(r.term()).setRound(r.round()).build(),
                    Batch.HEARTBEAT_RESPONSES_FIELD_NUMBER);
        }
        RaftMessage proto = MessageCodec.toProto(message).toBuilder().setGroup(group).build();
        return new PreparedMessage(message.from(), message.to(), proto, Batch.MESSAGES_FIELD_NUMBER);
    }

    /**
     * One batch frame. Every message must be from {@code from} to {@code to}: a queue per peer
     * guarantees it, so a mismatch is a bug of the caller.
     */
    public static byte[] encodeBatch(long from, long to, List<PreparedMessage> messages) {
        Batch.Builder b = Batch.newBuilder().setFrom(from).setTo(to);
        for (PreparedMessage m : messages) {
            if (m.from != from || m.to != to) {
                throw new IllegalArgumentException("a batch from " + from + " to " + to
                        + " cannot carry a message from " + m.from + " to " + m.to);
            }
            switch (m.field) {
                case Batch.MESSAGES_FIELD_NUMBER -> b.addMessages((RaftMessage) m.proto);
                case Batch.HEARTBEATS_FIELD_NUMBER -> b.addHeartbeats((GroupHeartbeat) m.proto);
                case Batch.HEARTBEAT_RESPONSES_FIELD_NUMBER ->
                        b.addHeartbeatResponses((GroupHeartbeatResponse) m.proto);
                default -> throw new AssertionError("unknown batch field " + m.field);
            }
        }
        return io.flotilla.raft.wire.proto.Frame.newBuilder().setBatch(b).build().toByteArray();
    }

    public static byte[] encode(Frame frame) {
        var f = io.flotilla.raft.wire.proto.Frame.newBuilder();
        // Java 17 has no pattern switch; FrameCodecRoundTripTest covers every permitted subclass.
        if (frame instanceof Frame.Hello h) {
            f.setHello(Hello.newBuilder().setVersion(VERSION).setFrom(h.from()).setTo(h.to())
                    .setListenAddress(h.listenAddress()));
        } else if (frame instanceof Frame.Batch b) {
            List<PreparedMessage> prepared = new ArrayList<>(b.messages().size());
            for (GroupMessage m : b.messages()) {
                prepared.add(prepare(m.group(), m.message()));
            }
            return encodeBatch(b.from(), b.to(), prepared);
        } else if (frame instanceof Frame.SnapshotHeader h) {
            f.setSnapshotHeader(SnapshotHeader.newBuilder().setInstallSnapshot(
                    MessageCodec.toProto(h.announcement()).toBuilder().setGroup(h.group())));
        } else if (frame instanceof Frame.SnapshotChunk c) {
            // Wrapping instead of copying: the bytes are copied once, into the encoded frame.
            f.setSnapshotChunk(SnapshotChunk.newBuilder().setData(UnsafeByteOperations.unsafeWrap(c.data())));
        } else if (frame instanceof Frame.SnapshotEnd e) {
            f.setSnapshotEnd(SnapshotEnd.newBuilder().setChunks(e.chunks()).setBytes(e.bytes()).setCrc32C(e.crc32c()));
        } else if (frame instanceof Frame.SnapshotAccepted) {
            f.setSnapshotAccepted(SnapshotAccepted.getDefaultInstance());
        } else if (frame instanceof Frame.SnapshotRefused r) {
            f.setSnapshotRefused(SnapshotRefused.newBuilder().setReason(r.reason()));
        } else {
            throw new AssertionError("no encoding for frame " + frame.getClass().getName());
        }
        return f.build().toByteArray();
    }

    /**
     * The decoded frame may alias {@code bytes} (snapshot chunks do), so the caller must not
     * reuse the array while the frame is in use.
     */
    public static Frame decode(byte[] bytes) throws MalformedMessageException {
        CodedInputStream input = CodedInputStream.newInstance(bytes);
        input.enableAliasing(true);
        io.flotilla.raft.wire.proto.Frame p;
        try {
            p = io.flotilla.raft.wire.proto.Frame.parser().parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedMessageException("unreadable frame (" + bytes.length + " bytes): " + e.getMessage(), e);
        }
        return switch (p.getKindCase()) {
            case HELLO -> hello(p.getHello());
            case BATCH -> batch(p.getBatch());
            case SNAPSHOT_HEADER -> snapshotHeader(p.getSnapshotHeader());
            case SNAPSHOT_CHUNK -> new Frame.SnapshotChunk(p.getSnapshotChunk().getData().asReadOnlyByteBuffer());
            case SNAPSHOT_END -> new Frame.SnapshotEnd(
                    Fields.unsigned(p.getSnapshotEnd().getChunks(), "snapshot_end.chunks"),
                    Fields.unsigned(p.getSnapshotEnd().getBytes(), "snapshot_end.bytes"),
                    p.getSnapshotEnd().getCrc32C());
            case SNAPSHOT_ACCEPTED -> new Frame.SnapshotAccepted();
            case SNAPSHOT_REFUSED -> new Frame.SnapshotRefused(p.getSnapshotRefused().getReason());
            case KIND_NOT_SET -> throw new MalformedMessageException("frame has no kind" + Fields.unknownFields(p));
        };
    }

    private static Frame.Hello hello(Hello p) throws MalformedMessageException {
        if (p.getVersion() != VERSION) {
            throw new MalformedMessageException("hello speaks protocol version " + Integer.toUnsignedString(p.getVersion())
                    + ", this node only " + VERSION);
        }
        return new Frame.Hello(Fields.nodeId(p.getFrom(), "hello.from"), Fields.nodeId(p.getTo(), "hello.to"),
                p.getListenAddress());
    }

    private static Frame.Batch batch(Batch p) throws MalformedMessageException {
        long from = Fields.nodeId(p.getFrom(), "batch.from");
        long to = Fields.nodeId(p.getTo(), "batch.to");
        List<GroupMessage> messages = new ArrayList<>(
                p.getMessagesCount() + p.getHeartbeatsCount() + p.getHeartbeatResponsesCount());
        for (int i = 0; i < p.getMessagesCount(); i++) {
            RaftMessage m = p.getMessages(i);
            String where = "batch.messages[" + i + "]";
            Message message;
            try {
                message = MessageCodec.fromProto(m);
            } catch (MalformedMessageException e) {
                throw e.within(where);
            }
            if (message.from() != from || message.to() != to) {
                throw new MalformedMessageException(where + " is from " + message.from() + " to " + message.to()
                        + " inside a batch from " + from + " to " + to);
            }
            messages.add(new GroupMessage(Fields.unsigned(m.getGroup(), where + ".group"), message));
        }
        for (int i = 0; i < p.getHeartbeatsCount(); i++) {
            GroupHeartbeat h = p.getHeartbeats(i);
            String where = "batch.heartbeats[" + i + "]";
            messages.add(new GroupMessage(Fields.unsigned(h.getGroup(), where + ".group"),
                    new Message.Heartbeat(from, to,
                            Fields.unsigned(h.getTerm(), where + ".term"),
                            Fields.unsigned(h.getCommit(), where + ".commit"),
                            Fields.unsigned(h.getRound(), where + ".round"), h.getQuiesce())));
        }
        for (int i = 0; i < p.getHeartbeatResponsesCount(); i++) {
            GroupHeartbeatResponse r = p.getHeartbeatResponses(i);
            String where = "batch.heartbeat_responses[" + i + "]";
            messages.add(new GroupMessage(Fields.unsigned(r.getGroup(), where + ".group"),
                    new Message.HeartbeatResponse(from, to,
                            Fields.unsigned(r.getTerm(), where + ".term"),
                            Fields.unsigned(r.getRound(), where + ".round"))));
        }
        return new Frame.Batch(from, to, messages);
    }

    private static Frame.SnapshotHeader snapshotHeader(SnapshotHeader p) throws MalformedMessageException {
        if (!p.hasInstallSnapshot()) {
            throw new MalformedMessageException("snapshot_header has no install_snapshot");
        }
        RaftMessage m = p.getInstallSnapshot();
        Message message;
        try {
            message = MessageCodec.fromProto(m);
        } catch (MalformedMessageException e) {
            throw e.within("snapshot_header");
        }
        if (!(message instanceof Message.InstallSnapshot announcement)) {
            throw new MalformedMessageException("snapshot_header carries a " + m.getBodyCase()
                    + " instead of an install_snapshot");
        }
        return new Frame.SnapshotHeader(Fields.unsigned(m.getGroup(), "snapshot_header.group"), announcement);
    }
}
