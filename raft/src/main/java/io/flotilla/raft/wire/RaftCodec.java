package io.flotilla.raft.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.HardState;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Message;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.wire.proto.MessageBatch;
import io.flotilla.raft.wire.proto.RaftMessage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Encodes core records to the protobuf format of {@code flotilla/raft/v1/raft.proto} and back.
 * Encoding cannot fail. Decoding returns a record that passed every check of its constructor
 * and of the format, or throws {@link MalformedMessageException}; it never returns null.
 *
 * <p>{@code toProto}/{@code fromProto} work on generated messages, for callers that embed them
 * in larger ones; {@code encode}/{@code decode*} work on bytes.
 */
public final class RaftCodec {

    private RaftCodec() {
    }

    public static RaftMessage toProto(Message message) {
        return MessageCodec.toProto(message);
    }

    public static Message fromProto(RaftMessage proto) throws MalformedMessageException {
        return MessageCodec.fromProto(proto);
    }

    public static io.flotilla.raft.wire.proto.Entry toProto(Entry entry) {
        return LogCodec.toProto(entry);
    }

    public static Entry fromProto(io.flotilla.raft.wire.proto.Entry proto) throws MalformedMessageException {
        return LogCodec.fromProto(proto);
    }

    public static io.flotilla.raft.wire.proto.HardState toProto(HardState state) {
        return LogCodec.toProto(state);
    }

    public static HardState fromProto(io.flotilla.raft.wire.proto.HardState proto) throws MalformedMessageException {
        return LogCodec.fromProto(proto);
    }

    public static io.flotilla.raft.wire.proto.SnapshotMeta toProto(SnapshotMeta meta) {
        return LogCodec.toProto(meta);
    }

    public static SnapshotMeta fromProto(io.flotilla.raft.wire.proto.SnapshotMeta proto)
            throws MalformedMessageException {
        return LogCodec.fromProto(proto);
    }

    public static io.flotilla.raft.wire.proto.Membership toProto(Membership membership) {
        return LogCodec.toProto(membership);
    }

    public static Membership fromProto(io.flotilla.raft.wire.proto.Membership proto) throws MalformedMessageException {
        return LogCodec.fromProto(proto);
    }

    public static MessageBatch toProto(Collection<? extends Message> messages) {
        var b = MessageBatch.newBuilder();
        for (Message m : messages) {
            b.addMessages(MessageCodec.toProto(m));
        }
        return b.build();
    }

    /** All messages of the batch, or an exception naming the first bad one: never a partial batch. */
    public static List<Message> fromProto(MessageBatch proto) throws MalformedMessageException {
        List<Message> messages = new ArrayList<>(proto.getMessagesCount());
        for (int i = 0; i < proto.getMessagesCount(); i++) {
            try {
                messages.add(MessageCodec.fromProto(proto.getMessages(i)));
            } catch (MalformedMessageException e) {
                throw e.within("batch.messages[" + i + "]");
            }
        }
        return messages;
    }

    public static byte[] encode(Message message) {
        return toProto(message).toByteArray();
    }

    public static byte[] encode(Entry entry) {
        return toProto(entry).toByteArray();
    }

    public static byte[] encode(HardState state) {
        return toProto(state).toByteArray();
    }

    public static byte[] encode(SnapshotMeta meta) {
        return toProto(meta).toByteArray();
    }

    public static byte[] encode(Membership membership) {
        return toProto(membership).toByteArray();
    }

    public static byte[] encodeBatch(Collection<? extends Message> messages) {
        return toProto(messages).toByteArray();
    }

    public static Message decodeMessage(byte[] bytes) throws MalformedMessageException {
        return fromProto(parse(RaftMessage.parser(), bytes, "message"));
    }

    public static Entry decodeEntry(byte[] bytes) throws MalformedMessageException {
        return fromProto(parse(io.flotilla.raft.wire.proto.Entry.parser(), bytes, "entry"));
    }

    /**
     * Protobuf cannot tell a HardState cut short at a field boundary from one whose later fields
     * are zero; storage must frame it with a length and checksum.
     */
    public static HardState decodeHardState(byte[] bytes) throws MalformedMessageException {
        return fromProto(parse(io.flotilla.raft.wire.proto.HardState.parser(), bytes, "hard state"));
    }

    public static SnapshotMeta decodeSnapshotMeta(byte[] bytes) throws MalformedMessageException {
        return fromProto(parse(io.flotilla.raft.wire.proto.SnapshotMeta.parser(), bytes, "snapshot meta"));
    }

    public static Membership decodeMembership(byte[] bytes) throws MalformedMessageException {
        return fromProto(parse(io.flotilla.raft.wire.proto.Membership.parser(), bytes, "membership"));
    }

    public static List<Message> decodeBatch(byte[] bytes) throws MalformedMessageException {
        return fromProto(parse(MessageBatch.parser(), bytes, "message batch"));
    }

    private static <T> T parse(Parser<T> parser, byte[] bytes, String what) throws MalformedMessageException {
        // Aliasing saves one copy of every command's bytes (no intermediate ByteString of its own).
        // Safe because the parsed proto never escapes this class and the caller's array is only read.
        CodedInputStream input = CodedInputStream.newInstance(bytes);
        input.enableAliasing(true);
        try {
            return parser.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedMessageException("unreadable " + what + " (" + bytes.length + " bytes): "
                    + e.getMessage(), e);
        }
    }
}
