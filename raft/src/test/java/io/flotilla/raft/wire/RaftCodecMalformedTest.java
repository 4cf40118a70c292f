package io.flotilla.raft.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.flotilla.raft.core.Message;
import io.flotilla.raft.wire.proto.Entry;
import io.flotilla.raft.wire.proto.HardState;
import io.flotilla.raft.wire.proto.Membership;
import io.flotilla.raft.wire.proto.MessageBatch;
import io.flotilla.raft.wire.proto.RaftMessage;
import io.flotilla.raft.wire.proto.SnapshotMeta;
import java.util.Arrays;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class RaftCodecMalformedTest {

    private final long seed = RandomRecords.seed();
    private final RandomRecords random = new RandomRecords(seed);

    @Test
    void emptyBytesAreNotAMessage() {
        assertMalformed(() -> RaftCodec.decodeMessage(new byte[0]), "message.from");
    }

    @Test
    void messageWithoutBodyIsRejected() {
        assertMalformed(() -> RaftCodec.fromProto(envelope().build()), "has no body");
        assertMalformed(() -> RaftCodec.decodeMessage(envelope().build().toByteArray()), "has no body");
    }

    @Test
    void bodyFromANewerVersionIsRejectedNotDropped() {
        UnknownFieldSet newer = UnknownFieldSet.newBuilder()
                .addField(16, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.EMPTY).build())
                .build();
        byte[] bytes = envelope().setUnknownFields(newer).build().toByteArray();
        assertMalformed(() -> RaftCodec.decodeMessage(bytes), "unknown fields [16]");
    }

    @Test
    void everyTruncationOfEveryMessageVariantIsRejected() {
        for (Supplier<Message> variant : random.messageVariants()) {
            for (int round = 0; round < 20; round++) {
                byte[] bytes = RaftCodec.encode(variant.get());
                for (int length = 0; length < bytes.length; length++) {
                    byte[] prefix = Arrays.copyOf(bytes, length);
                    String context = "seed=" + seed + " prefix " + length + "/" + bytes.length;
                    assertThrows(MalformedMessageException.class, () -> RaftCodec.decodeMessage(prefix), context);
                }
            }
        }
    }

    @Test
    void everyTruncationOfAnEntryIsRejected() {
        for (int round = 0; round < 200; round++) {
            byte[] bytes = RaftCodec.encode(random.entry());
            for (int length = 0; length < bytes.length; length++) {
                byte[] prefix = Arrays.copyOf(bytes, length);
                String context = "seed=" + seed + " prefix " + length + "/" + bytes.length;
                assertThrows(MalformedMessageException.class, () -> RaftCodec.decodeEntry(prefix), context);
            }
        }
    }

    @Test
    void invalidNodeIdsAreRejected() {
        assertMalformed(() -> RaftCodec.fromProto(timeoutNow().setFrom(0).build()), "message.from");
        assertMalformed(() -> RaftCodec.fromProto(timeoutNow().setTo(0).build()), "message.to");
        // 2^63 and above would become a negative long.
        assertMalformed(() -> RaftCodec.fromProto(timeoutNow().setFrom(-1).build()), "18446744073709551615");
        assertMalformed(() -> RaftCodec.fromProto(Membership.newBuilder().addVoters(0).build()), "voters");
        assertMalformed(() -> RaftCodec.fromProto(Membership.newBuilder().addLearners(Long.MIN_VALUE).build()),
                "learners");
    }

    @Test
    void inconsistentMembershipsAreRejected() {
        assertMalformed(() -> RaftCodec.fromProto(Membership.newBuilder().addVoters(1).addLearners(1).build()),
                "voter and a learner");
        assertMalformed(() -> RaftCodec.fromProto(Membership.newBuilder().addOutgoing(2).addLearners(2).build()),
                "voter and a learner");
        assertMalformed(() -> RaftCodec.fromProto(Membership.newBuilder().addVoters(3).addVoters(3).build()),
                "twice");
    }

    @Test
    void invalidEntriesAreRejected() {
        Entry.Builder valid = Entry.newBuilder().setTerm(1).setIndex(1).setNoop(Entry.Noop.getDefaultInstance());
        assertMalformed(() -> RaftCodec.fromProto(valid.clone().setIndex(0).build()), "index >= 1");
        assertMalformed(() -> RaftCodec.fromProto(valid.clone().setTerm(0).build()), "term >= 1");
        assertMalformed(() -> RaftCodec.fromProto(valid.clone().setIndex(-5).build()), "entry.index out of range");
        assertMalformed(() -> RaftCodec.fromProto(valid.clone().clearNoop().build()), "no payload");
        assertMalformed(() -> RaftCodec.fromProto(valid.clone()
                .setReconfiguration(Membership.newBuilder().addVoters(4).addLearners(4)).build()), "learner");
    }

    @Test
    void appendEntriesMustContinueTheLogWithoutGaps() throws MalformedMessageException {
        Entry.Builder entry = Entry.newBuilder().setTerm(1).setNoop(Entry.Noop.getDefaultInstance());
        RaftMessage.Append.Builder append = RaftMessage.Append.newBuilder().setPrevIndex(5).setPrevTerm(1)
                .addEntries(entry.clone().setIndex(6));
        var accepted = (Message.Append) RaftCodec.fromProto(envelope().setAppend(append.clone()).build());
        assertEquals(6, accepted.entries().get(0).index());

        assertMalformed(() -> RaftCodec.fromProto(envelope().setAppend(append.clone()
                .addEntries(entry.clone().setIndex(8))).build()), "append.entries[1] has index 8");
        assertMalformed(() -> RaftCodec.fromProto(envelope().setAppend(append.clone()
                .addEntries(entry.clone().setIndex(7).clearNoop())).build()), "append.entries[1]: entry 7 has no payload");
    }

    @Test
    void snapshotsNeedTheirMembership() {
        assertMalformed(() -> RaftCodec.fromProto(envelope()
                .setInstallSnapshot(RaftMessage.InstallSnapshot.getDefaultInstance()).build()), "no snapshot");
        assertMalformed(() -> RaftCodec.fromProto(SnapshotMeta.newBuilder().setIndex(9).build()), "no membership");
        assertMalformed(() -> RaftCodec.fromProto(envelope().setInstallSnapshot(RaftMessage.InstallSnapshot.newBuilder()
                        .setSnapshot(SnapshotMeta.newBuilder().setMembership(Membership.newBuilder().addVoters(0))))
                .build()), "install_snapshot: snapshot 0: membership.voters");
    }

    @Test
    void hardStateOutOfRangeIsRejected() {
        assertMalformed(() -> RaftCodec.fromProto(HardState.newBuilder().setVote(-2).build()), "hard_state.vote");
    }

    @Test
    void aBatchWithOneBadMessageIsRejectedWhole() {
        MessageBatch batch = MessageBatch.newBuilder()
                .addMessages(RaftCodec.toProto(random.message()))
                .addMessages(envelope())
                .build();
        assertMalformed(() -> RaftCodec.decodeBatch(batch.toByteArray()), "batch.messages[1]");
    }

    @Test
    void garbageAndBitFlipsNeverEscapeAsOtherExceptions() throws MalformedMessageException {
        for (int round = 0; round < 5_000; round++) {
            byte[] bytes = RaftCodec.encode(random.message());
            if (round % 5 == 0) {
                random.nextBytes(bytes);
            } else {
                int bit = random.nextInt(bytes.length * 8);
                bytes[bit / 8] ^= (byte) (1 << (bit % 8));
            }
            Message decoded;
            try {
                decoded = RaftCodec.decodeMessage(bytes);
            } catch (MalformedMessageException expected) {
                continue;
            } catch (RuntimeException e) {
                throw new AssertionError("seed=" + seed + " round " + round + ": " + e, e);
            }
            // Whatever does decode is a valid message that survives its own round trip.
            assertEquals(decoded, RaftCodec.decodeMessage(RaftCodec.encode(decoded)), "seed=" + seed);
        }
    }

    private static RaftMessage.Builder envelope() {
        return RaftMessage.newBuilder().setFrom(1).setTo(2).setTerm(3);
    }

    private static RaftMessage.Builder timeoutNow() {
        return envelope().setTimeoutNow(RaftMessage.TimeoutNow.getDefaultInstance());
    }

    private void assertMalformed(Executable decode, String expectedInMessage) {
        var e = assertThrows(MalformedMessageException.class, decode, "seed=" + seed);
        assertTrue(e.getMessage().contains(expectedInMessage),
                () -> "seed=" + seed + ": expected \"" + expectedInMessage + "\" in: " + e.getMessage());
    }
}
