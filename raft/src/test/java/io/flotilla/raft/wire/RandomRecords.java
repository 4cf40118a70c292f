package io.flotilla.raft.wire;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.HardState;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Message;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.core.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Supplier;

/** Valid core records drawn from a seeded Random, biased towards the edges of each field's range. */
final class RandomRecords {

    /** Run with -Dflotilla.wire.seed=N to replay a failure. */
    static long seed() {
        return Long.getLong("flotilla.wire.seed", System.nanoTime());
    }

    private final Random rnd;

    RandomRecords(long seed) {
        this.rnd = new Random(seed);
    }

    /** One generator per Message variant; the round-trip test checks that none is missing. */
    List<Supplier<Message>> messageVariants() {
        return List.of(
                this::append,
                () -> new Message.AppendResponse(id(), id(), counter(), rnd.nextBoolean(), counter(), counter(),
                        counter(), counter()),
                () -> new Message.Heartbeat(id(), id(), counter(), counter(), counter(), rnd.nextBoolean()),
                () -> new Message.HeartbeatResponse(id(), id(), counter(), counter()),
                () -> new Message.VoteRequest(id(), id(), counter(), rnd.nextBoolean(), counter(), counter(),
                        rnd.nextBoolean()),
                () -> new Message.VoteResponse(id(), id(), counter(), rnd.nextBoolean(), rnd.nextBoolean()),
                () -> new Message.InstallSnapshot(id(), id(), counter(), snapshotMeta(), counter()),
                () -> new Message.TimeoutNow(id(), id(), counter()));
    }

    /** One generator per Payload kind, likewise checked for completeness. */
    List<Supplier<Payload>> payloadKinds() {
        return List.of(
                () -> new Payload.Command(bytes()),
                Payload.Noop::new,
                () -> new Payload.Reconfiguration(membership()));
    }

    Message message() {
        List<Supplier<Message>> variants = messageVariants();
        return variants.get(rnd.nextInt(variants.size())).get();
    }

    Message.Append append() {
        long prevIndex = rnd.nextInt(4) == 0 ? 0 : rnd.nextLong(Long.MAX_VALUE - 1_000);
        long prevTerm = prevIndex == 0 ? 0 : 1 + rnd.nextLong(1_000_000);
        int count = rnd.nextInt(4) == 0 ? 0 : 1 + rnd.nextInt(8);
        List<Entry> entries = new ArrayList<>();
        long term = Math.max(1, prevTerm);
        for (int i = 0; i < count; i++) {
            term += rnd.nextInt(3) == 0 ? 1 : 0;
            entries.add(entry(term, prevIndex + 1 + i));
        }
        return new Message.Append(id(), id(), term, prevIndex, prevTerm, entries, counter(), counter());
    }

    Entry entry() {
        return entry(1 + rnd.nextLong(Long.MAX_VALUE - 1), 1 + rnd.nextLong(Long.MAX_VALUE - 1));
    }

    Entry entry(long term, long index) {
        List<Supplier<Payload>> kinds = payloadKinds();
        return new Entry(term, index, kinds.get(rnd.nextInt(kinds.size())).get());
    }

    HardState hardState() {
        return new HardState(counter(), rnd.nextBoolean() ? 0 : id(), counter());
    }

    SnapshotMeta snapshotMeta() {
        return new SnapshotMeta(counter(), counter(), membership());
    }

    /** Voters and outgoing may overlap (as in a real joint configuration); learners never do. */
    Membership membership() {
        TreeSet<Long> voters = new TreeSet<>();
        TreeSet<Long> outgoing = new TreeSet<>();
        TreeSet<Long> learners = new TreeSet<>();
        int members = rnd.nextInt(10);
        for (int i = 0; i < members; i++) {
            long id = id();
            switch (rnd.nextInt(4)) {
                case 0 -> voters.add(id);
                case 1 -> outgoing.add(id);
                case 2 -> {
                    voters.add(id);
                    outgoing.add(id);
                }
                default -> learners.add(id);
            }
        }
        // An id drawn twice may have landed on both sides.
        learners.removeAll(voters);
        learners.removeAll(outgoing);
        return new Membership(voters, outgoing, learners);
    }

    /** Mostly small ids, as in a real cluster, but sometimes up to the largest valid one. */
    long id() {
        return switch (rnd.nextInt(10)) {
            case 0 -> Long.MAX_VALUE;
            case 1 -> 1 + rnd.nextLong(Long.MAX_VALUE - 1);
            default -> 1 + rnd.nextInt(12);
        };
    }

    /** A term, index, commit or round: anything from 0 to Long.MAX_VALUE, edges often. */
    long counter() {
        return switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> Long.MAX_VALUE;
            case 2 -> rnd.nextLong(Long.MAX_VALUE);
            default -> rnd.nextInt(1_000);
        };
    }

    byte[] bytes() {
        byte[] b = new byte[rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(rnd.nextBoolean() ? 16 : 4096)];
        rnd.nextBytes(b);
        return b;
    }

    void nextBytes(byte[] into) {
        rnd.nextBytes(into);
    }

    int nextInt(int bound) {
        return rnd.nextInt(bound);
    }
}
