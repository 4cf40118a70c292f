package io.flotilla.raft.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flotilla.raft.core.Message;
import io.flotilla.raft.core.Payload;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class RaftCodecRoundTripTest {

    private static final int ROUNDS = 300;

    private final long seed = RandomRecords.seed();
    private final RandomRecords random = new RandomRecords(seed);

    /**
     * The encoder is an instanceof chain (Java 17 has no pattern switch), so this is what notices a
     * new Message variant or Payload kind: the generators must cover every permitted subclass, and
     * every generated value must survive the round trip below.
     */
    @Test
    void generatorsCoverEverySealedVariant() {
        Set<Class<?>> messages = new HashSet<>();
        random.messageVariants().forEach(v -> messages.add(v.get().getClass()));
        assertEquals(Set.of(Message.class.getPermittedSubclasses()), messages);

        Set<Class<?>> payloads = new HashSet<>();
        random.payloadKinds().forEach(k -> payloads.add(k.get().getClass()));
        assertEquals(Set.of(Payload.class.getPermittedSubclasses()), payloads);
    }

    @Test
    void everyMessageVariantRoundTrips() throws MalformedMessageException {
        for (Supplier<Message> variant : random.messageVariants()) {
            for (int i = 0; i < ROUNDS; i++) {
                Message m = variant.get();
                assertEquals(m, RaftCodec.decodeMessage(RaftCodec.encode(m)), () -> "seed=" + seed + " " + m);
                assertEquals(m, RaftCodec.fromProto(RaftCodec.toProto(m)), () -> "seed=" + seed + " " + m);
            }
        }
    }

    @Test
    void everyPayloadKindRoundTripsAsAnEntry() throws MalformedMessageException {
        for (int i = 0; i < ROUNDS * 3; i++) {
            var e = random.entry();
            assertEquals(e, RaftCodec.decodeEntry(RaftCodec.encode(e)), () -> "seed=" + seed + " " + e);
        }
    }

    @Test
    void persistentStateRoundTrips() throws MalformedMessageException {
        for (int i = 0; i < ROUNDS; i++) {
            var h = random.hardState();
            assertEquals(h, RaftCodec.decodeHardState(RaftCodec.encode(h)), () -> "seed=" + seed + " " + h);
            var s = random.snapshotMeta();
            assertEquals(s, RaftCodec.decodeSnapshotMeta(RaftCodec.encode(s)), () -> "seed=" + seed + " " + s);
            var m = random.membership();
            assertEquals(m, RaftCodec.decodeMembership(RaftCodec.encode(m)), () -> "seed=" + seed + " " + m);
        }
    }

    @Test
    void batchesRoundTripInOrder() throws MalformedMessageException {
        for (int i = 0; i < ROUNDS / 10; i++) {
            List<Message> batch = new ArrayList<>();
            int size = random.nextInt(20);
            for (int j = 0; j < size; j++) {
                batch.add(random.message());
            }
            assertEquals(batch, RaftCodec.decodeBatch(RaftCodec.encodeBatch(batch)), "seed=" + seed);
        }
    }

    /** Catches an accidental change of field numbers: this is the on-disk format of the log. */
    @Test
    void entryEncodingIsStable() {
        var entry = new io.flotilla.raft.core.Entry(2, 3, new Payload.Command(new byte[] {7}));
        // term=2 (field 1), index=3 (field 2), command=[7] (field 3)
        assertEquals(List.of(0x08, 2, 0x10, 3, 0x1a, 1, 7), unsigned(RaftCodec.encode(entry)));
    }

    private static List<Integer> unsigned(byte[] bytes) {
        List<Integer> out = new ArrayList<>();
        for (byte b : bytes) {
            out.add(b & 0xff);
        }
        return out;
    }
}
