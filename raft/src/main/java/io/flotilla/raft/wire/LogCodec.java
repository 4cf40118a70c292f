package io.flotilla.raft.wire;

import com.google.protobuf.ByteString;
import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.HardState;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.core.SnapshotMeta;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Converts the records that are persisted (and also travel inside messages): entries, hard
 * state, snapshot metadata and memberships. The generated classes share their simple names with
 * the core records, so they are spelled out in full here.
 */
final class LogCodec {

    private LogCodec() {
    }

    static io.flotilla.raft.wire.proto.Membership toProto(Membership m) {
        return io.flotilla.raft.wire.proto.Membership.newBuilder()
                .addAllVoters(m.voters())
                .addAllOutgoing(m.outgoing())
                .addAllLearners(m.learners())
                .build();
    }

    static Membership fromProto(io.flotilla.raft.wire.proto.Membership p) throws MalformedMessageException {
        SortedSet<Long> voters = ids(p.getVotersList(), "membership.voters");
        SortedSet<Long> outgoing = ids(p.getOutgoingList(), "membership.outgoing");
        SortedSet<Long> learners = ids(p.getLearnersList(), "membership.learners");
        try {
            return new Membership(voters, outgoing, learners);
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException("membership: " + e.getMessage(), e);
        }
    }

    /** Duplicates are rejected rather than merged: an encoder never writes them, so they mean corruption. */
    private static SortedSet<Long> ids(List<Long> raw, String field) throws MalformedMessageException {
        TreeSet<Long> ids = new TreeSet<>();
        for (long id : raw) {
            if (!ids.add(Fields.nodeId(id, field))) {
                throw new MalformedMessageException(field + " lists node " + id + " twice");
            }
        }
        return ids;
    }

    static io.flotilla.raft.wire.proto.Entry toProto(Entry e) {
        var b = io.flotilla.raft.wire.proto.Entry.newBuilder().setTerm(e.term()).setIndex(e.index());
        // Java 17 has no pattern switch: see the test that checks every Payload kind is covered.
        Payload payload = e.payload();
        if (payload instanceof Payload.Command c) {
            b.setCommand(ByteString.copyFrom(c.unsafeData()));
        } else if (payload instanceof Payload.Noop) {
            b.setNoop(io.flotilla.raft.wire.proto.Entry.Noop.getDefaultInstance());
        } else if (payload instanceof Payload.Reconfiguration r) {
            b.setReconfiguration(toProto(r.membership()));
        } else {
            throw new AssertionError("no encoding for payload " + payload.getClass().getName());
        }
        return b.build();
    }

    static Entry fromProto(io.flotilla.raft.wire.proto.Entry p) throws MalformedMessageException {
        long term = Fields.unsigned(p.getTerm(), "entry.term");
        long index = Fields.unsigned(p.getIndex(), "entry.index");
        Payload payload = switch (p.getPayloadCase()) {
            case COMMAND -> new Payload.Command(p.getCommand().toByteArray());
            case NOOP -> new Payload.Noop();
            case RECONFIGURATION -> new Payload.Reconfiguration(fromProto(p.getReconfiguration()));
            case PAYLOAD_NOT_SET -> throw new MalformedMessageException(
                    "entry " + index + " has no payload" + Fields.unknownFields(p));
        };
        try {
            return new Entry(term, index, payload);
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException(e.getMessage(), e);
        }
    }

    static io.flotilla.raft.wire.proto.HardState toProto(HardState s) {
        return io.flotilla.raft.wire.proto.HardState.newBuilder()
                .setTerm(s.term())
                .setVote(s.vote())
                .setCommit(s.commit())
                .build();
    }

    static HardState fromProto(io.flotilla.raft.wire.proto.HardState p) throws MalformedMessageException {
        // The vote may be 0 (nobody), so it only needs to be in range.
        return new HardState(
                Fields.unsigned(p.getTerm(), "hard_state.term"),
                Fields.unsigned(p.getVote(), "hard_state.vote"),
                Fields.unsigned(p.getCommit(), "hard_state.commit"));
    }

    static io.flotilla.raft.wire.proto.SnapshotMeta toProto(SnapshotMeta s) {
        return io.flotilla.raft.wire.proto.SnapshotMeta.newBuilder()
                .setIndex(s.index())
                .setTerm(s.term())
                .setMembership(toProto(s.membership()))
                .build();
    }

    static SnapshotMeta fromProto(io.flotilla.raft.wire.proto.SnapshotMeta p) throws MalformedMessageException {
        long index = Fields.unsigned(p.getIndex(), "snapshot.index");
        long term = Fields.unsigned(p.getTerm(), "snapshot.term");
        if (!p.hasMembership()) {
            throw new MalformedMessageException("snapshot " + index + " has no membership");
        }
        Membership membership;
        try {
            membership = fromProto(p.getMembership());
        } catch (MalformedMessageException e) {
            throw e.within("snapshot " + index);
        }
        return new SnapshotMeta(index, term, membership);
    }
}
