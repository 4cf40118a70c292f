package io.flotilla.raft.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.core.Message;
import io.flotilla.raft.wire.proto.Batch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FrameCodecRoundTripTest {

    private static final int ROUNDS = 200;

    private final long seed = RandomRecords.seed();
    private final RandomRecords random = new RandomRecords(seed);

    /** The encoder is an instanceof chain, so this is what notices a Frame kind without a case. */
    @Test
    void everyFrameKindRoundTrips() throws MalformedMessageException {
        List<Frame> frames = List.of(
                new Frame.Hello(1, Long.MAX_VALUE),
                new Frame.Batch(3, 4, List.of(new GroupMessage(7, new Message.TimeoutNow(3, 4, 9)))),
                new Frame.SnapshotHeader(Long.MAX_VALUE, new Message.InstallSnapshot(1, 2, 3, random.snapshotMeta(), 4)),
                new Frame.SnapshotChunk(ByteBuffer.wrap(random.bytes())),
                new Frame.SnapshotEnd(12, 12L << 20, 0xdeadbeef),
                new Frame.SnapshotAccepted(),
                new Frame.SnapshotRefused("disk full"));
        Set<Class<?>> kinds = new HashSet<>();
        for (Frame f : frames) {
            kinds.add(f.getClass());
            assertEquals(f, FrameCodec.decode(FrameCodec.encode(f)), () -> "seed=" + seed + " " + f);
        }
        assertEquals(Set.of(Frame.class.getPermittedSubclasses()), kinds);
    }

    @Test
    void batchesOfManyGroupsKeepOrderAndPutHeartbeatsLast() throws MalformedMessageException {
        for (int round = 0; round < ROUNDS; round++) {
            long from = 1 + random.nextInt(5);
            long to = from + 1;
            List<GroupMessage> sent = new ArrayList<>();
            List<GroupMessage> others = new ArrayList<>();
            List<GroupMessage> heartbeats = new ArrayList<>();
            List<GroupMessage> responses = new ArrayList<>();
            int count = random.nextInt(40);
            for (int i = 0; i < count; i++) {
                GroupMessage m = new GroupMessage(random.counter(), readdressed(random.message(), from, to));
                sent.add(m);
                if (m.message() instanceof Message.Heartbeat) {
                    heartbeats.add(m);
                } else if (m.message() instanceof Message.HeartbeatResponse) {
                    responses.add(m);
                } else {
                    others.add(m);
                }
            }
            List<GroupMessage> expected = new ArrayList<>(others);
            expected.addAll(heartbeats);
            expected.addAll(responses);
            Frame decoded = FrameCodec.decode(FrameCodec.encode(new Frame.Batch(from, to, sent)));
            assertEquals(new Frame.Batch(from, to, expected), decoded, "seed=" + seed);
        }
    }

    @Test
    void heartbeatsTravelCoalescedWithoutAnEnvelopeEach() throws Exception {
        List<PreparedMessage> prepared = new ArrayList<>();
        for (long group = 1; group <= 1000; group++) {
            prepared.add(FrameCodec.prepare(group, new Message.Heartbeat(1, 2, 5, 100 + group, 7)));
            prepared.add(FrameCodec.prepare(group, new Message.HeartbeatResponse(1, 2, 5, 7)));
        }
        byte[] bytes = FrameCodec.encodeBatch(1, 2, prepared);
        Batch batch = io.flotilla.raft.wire.proto.Frame.parseFrom(bytes).getBatch();
        assertEquals(0, batch.getMessagesCount());
        assertEquals(1000, batch.getHeartbeatsCount());
        assertEquals(1000, batch.getHeartbeatResponsesCount());
        // Each coalesced heartbeat costs a few bytes of varints, not a full envelope.
        assertTrue(bytes.length < 2000 * 12, "batch of 2000 heartbeats took " + bytes.length + " bytes");

        var decoded = (Frame.Batch) FrameCodec.decode(bytes);
        assertEquals(new GroupMessage(17, new Message.Heartbeat(1, 2, 5, 117, 7)), decoded.messages().get(16));
        assertEquals(new GroupMessage(17, new Message.HeartbeatResponse(1, 2, 5, 7)), decoded.messages().get(1016));
    }

    @Test
    void preparedSizesAddUpToTheFrameWithinTheStatedOverhead() {
        for (int round = 0; round < ROUNDS; round++) {
            long from = random.id();
            long to = random.id();
            List<PreparedMessage> prepared = new ArrayList<>();
            int payload = 0;
            for (int i = random.nextInt(30); i > 0; i--) {
                PreparedMessage m = FrameCodec.prepare(random.counter(), readdressed(random.message(), from, to));
                prepared.add(m);
                payload += m.batchBytes();
            }
            int frame = FrameCodec.encodeBatch(from, to, prepared).length;
            assertTrue(frame >= payload && frame <= payload + FrameCodec.BATCH_OVERHEAD_BYTES,
                    "seed=" + seed + ": payload " + payload + ", frame " + frame);
        }
    }

    @Test
    void aBatchRefusesAMessageForAnotherPeer() {
        PreparedMessage toThree = FrameCodec.prepare(1, new Message.TimeoutNow(1, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> FrameCodec.encodeBatch(1, 2, List.of(toThree)));
    }

    @Test
    void theCoreCodecIgnoresTheGroup() throws MalformedMessageException {
        Message m = random.message();
        byte[] withGroup = RaftCodec.toProto(m).toBuilder().setGroup(42).build().toByteArray();
        assertEquals(m, RaftCodec.decodeMessage(withGroup));
    }

    private static Message readdressed(Message m, long from, long to) {
        // Java 17: no record patterns, so each variant is rebuilt by hand.
        if (m instanceof Message.Append a) {
            return new Message.Append(from, to, a.term(), a.prevIndex(), a.prevTerm(), a.entries(), a.commit(), a.round());
        } else if (m instanceof Message.AppendResponse r) {
            return new Message.AppendResponse(from, to, r.term(), r.rejected(), r.index(), r.hintIndex(), r.hintTerm(),
                    r.round());
        } else if (m instanceof Message.Heartbeat h) {
            return new Message.Heartbeat(from, to, h.term(), h.commit(), h.round(), h.quiesce());
        } else if (m instanceof Message.HeartbeatResponse h) {
            return new Message.HeartbeatResponse(from, to, h.term(), h.round());
        } else if (m instanceof Message.VoteRequest v) {
            return new Message.VoteRequest(from, to, v.term(), v.preVote(), v.lastIndex(), v.lastTerm(), v.transfer());
        } else if (m instanceof Message.VoteResponse v) {
            return new Message.VoteResponse(from, to, v.term(), v.preVote(), v.granted());
        } else if (m instanceof Message.InstallSnapshot s) {
            return new Message.InstallSnapshot(from, to, s.term(), s.snapshot(), s.round());
        } else if (m instanceof Message.TimeoutNow t) {
            return new Message.TimeoutNow(from, to, t.term());
        }
        throw new AssertionError("no case for " + m.getClass());
    }
}
