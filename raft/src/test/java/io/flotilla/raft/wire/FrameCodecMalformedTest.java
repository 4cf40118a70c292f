package io.flotilla.raft.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.flotilla.raft.core.Message;
import io.flotilla.raft.wire.proto.Batch;
import io.flotilla.raft.wire.proto.Frame;
import io.flotilla.raft.wire.proto.GroupHeartbeat;
import io.flotilla.raft.wire.proto.Hello;
import io.flotilla.raft.wire.proto.RaftMessage;
import io.flotilla.raft.wire.proto.SnapshotHeader;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class FrameCodecMalformedTest {

    private final long seed = RandomRecords.seed();
    private final RandomRecords random = new RandomRecords(seed);

    @Test
    void emptyAndUnknownFramesAreRejected() {
        assertMalformed(() -> FrameCodec.decode(new byte[0]), "frame has no kind");
        UnknownFieldSet newer = UnknownFieldSet.newBuilder()
                .addField(20, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.EMPTY).build())
                .build();
        assertMalformed(() -> FrameCodec.decode(Frame.newBuilder().setUnknownFields(newer).build().toByteArray()),
                "unknown fields [20]");
        assertMalformed(() -> FrameCodec.decode(new byte[] {(byte) 0xff, (byte) 0xff, 0x01}), "unreadable frame");
    }

    @Test
    void helloMustSpeakThisVersionAndNameRealNodes() {
        Hello.Builder hello = Hello.newBuilder().setVersion(FrameCodec.VERSION).setFrom(1).setTo(2);
        assertMalformed(() -> decode(Frame.newBuilder().setHello(hello.clone().setVersion(2))), "protocol version 2");
        assertMalformed(() -> decode(Frame.newBuilder().setHello(hello.clone().setFrom(0))), "hello.from");
        assertMalformed(() -> decode(Frame.newBuilder().setHello(hello.clone().setTo(-1))), "hello.to");
    }

    @Test
    void aBatchMayOnlyCarryMessagesBetweenItsTwoNodes() {
        RaftMessage stranger = RaftCodec.toProto(new Message.TimeoutNow(3, 2, 1));
        assertMalformed(() -> decode(Frame.newBuilder().setBatch(Batch.newBuilder().setFrom(1).setTo(2)
                .addMessages(stranger))), "batch.messages[0] is from 3 to 2 inside a batch from 1 to 2");
        assertMalformed(() -> decode(Frame.newBuilder().setBatch(Batch.newBuilder().setFrom(0).setTo(2))),
                "batch.from");
    }

    @Test
    void batchFieldsOutOfRangeAreRejectedWithTheirPlace() {
        RaftMessage negativeGroup = RaftCodec.toProto(new Message.TimeoutNow(1, 2, 1)).toBuilder().setGroup(-1).build();
        assertMalformed(() -> decode(Frame.newBuilder().setBatch(Batch.newBuilder().setFrom(1).setTo(2)
                .addMessages(negativeGroup))), "batch.messages[0].group");
        assertMalformed(() -> decode(Frame.newBuilder().setBatch(Batch.newBuilder().setFrom(1).setTo(2)
                .addHeartbeats(GroupHeartbeat.newBuilder().setGroup(1))
                .addHeartbeats(GroupHeartbeat.newBuilder().setGroup(2).setCommit(Long.MIN_VALUE)))),
                "batch.heartbeats[1].commit");
        assertMalformed(() -> decode(Frame.newBuilder().setBatch(Batch.newBuilder().setFrom(1).setTo(2)
                .addMessages(RaftMessage.newBuilder().setFrom(1).setTo(2)))), "batch.messages[0]: message from 1 to 2 has no body");
    }

    @Test
    void snapshotHeaderMustCarryAnInstallSnapshot() {
        assertMalformed(() -> decode(Frame.newBuilder().setSnapshotHeader(SnapshotHeader.getDefaultInstance())),
                "no install_snapshot");
        RaftMessage vote = RaftCodec.toProto(new Message.VoteResponse(1, 2, 3, false, true));
        assertMalformed(() -> decode(Frame.newBuilder().setSnapshotHeader(SnapshotHeader.newBuilder()
                .setInstallSnapshot(vote))), "VOTE_RESPONSE instead of an install_snapshot");
    }

    @Test
    void everyTruncationOfABatchIsRejectedOrADifferentValidFrame() throws MalformedMessageException {
        for (int round = 0; round < 30; round++) {
            List<GroupMessage> messages = List.of(
                    new GroupMessage(random.counter(), new Message.Heartbeat(1, 2, random.counter(), 3, 4)),
                    new GroupMessage(random.counter(), new Message.TimeoutNow(1, 2, random.counter())));
            byte[] bytes = FrameCodec.encode(new io.flotilla.raft.wire.Frame.Batch(1, 2, messages));
            for (int length = 0; length < bytes.length; length++) {
                byte[] prefix = Arrays.copyOf(bytes, length);
                // A cut exactly between two repeated elements is a shorter valid batch (protobuf has no
                // end marker): the frame length prefix is what detects truncation on the wire.
                try {
                    var decoded = (io.flotilla.raft.wire.Frame.Batch) FrameCodec.decode(prefix);
                    assertTrue(decoded.messages().size() < messages.size(), "seed=" + seed);
                } catch (MalformedMessageException expected) {
                    // the usual outcome
                }
            }
        }
    }

    @Test
    void garbageNeverEscapesAsAnotherException() throws MalformedMessageException {
        for (int round = 0; round < 3_000; round++) {
            byte[] bytes = FrameCodec.encode(new io.flotilla.raft.wire.Frame.Batch(1, 2,
                    List.of(new GroupMessage(random.counter(), readdressedHeartbeat()),
                            new GroupMessage(5, new Message.TimeoutNow(1, 2, 3)))));
            if (round % 5 == 0) {
                random.nextBytes(bytes);
            } else {
                int bit = random.nextInt(bytes.length * 8);
                bytes[bit / 8] ^= (byte) (1 << (bit % 8));
            }
            io.flotilla.raft.wire.Frame decoded;
            try {
                decoded = FrameCodec.decode(bytes);
            } catch (MalformedMessageException expected) {
                continue;
            } catch (RuntimeException e) {
                throw new AssertionError("seed=" + seed + " round " + round + ": " + e, e);
            }
            // Whatever decodes re-encodes; one round trip may move an enveloped heartbeat into the
            // coalesced form (and so to the end), after which the frame is stable.
            var normal = FrameCodec.decode(FrameCodec.encode(decoded));
            assertEquals(normal, FrameCodec.decode(FrameCodec.encode(normal)), "seed=" + seed);
        }
    }

    private Message readdressedHeartbeat() {
        return new Message.Heartbeat(1, 2, random.counter(), random.counter(), random.counter());
    }

    private static io.flotilla.raft.wire.Frame decode(Frame.Builder frame) throws MalformedMessageException {
        return FrameCodec.decode(frame.build().toByteArray());
    }

    private void assertMalformed(Executable decode, String expectedInMessage) {
        var e = assertThrows(MalformedMessageException.class, decode, "seed=" + seed);
        assertTrue(e.getMessage().contains(expectedInMessage),
                () -> "seed=" + seed + ": expected \"" + expectedInMessage + "\" in: " + e.getMessage());
    }
}
