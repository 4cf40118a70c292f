package io.flotilla.raft.core;

import java.util.List;

/**
 * Everything replicas say to each other. Every message carries the sender's term; a message from
 * an older term is rejected before it can change anything.
 *
 * <p>Messages from a leader carry the leader's current heartbeat {@code round}; followers echo it.
 * A round acknowledged by a quorum proves the sender was still leader when the round was sent,
 * which is what leases and ReadIndex reads rest on.
 */
public sealed interface Message {

    long from();

    long to();

    long term();

    /**
     * Whether this is what keeps a leader in place or elects the next one — heartbeats, votes,
     * their answers, a transfer's TimeoutNow — rather than replication. Hosts and transports give
     * it a lane of its own, so that it never waits behind appends, snapshots or clients' work: a
     * busy node must not look like a dead one.
     */
    static boolean isLeadershipTraffic(Message m) {
        return m instanceof Heartbeat || m instanceof HeartbeatResponse || m instanceof VoteRequest
                || m instanceof VoteResponse || m instanceof TimeoutNow;
    }

    /** Log replication: entries after (prevIndex, prevTerm), and the leader's commit index. */
    record Append(long from, long to, long term, long prevIndex, long prevTerm, List<Entry> entries,
                  long commit, long round) implements Message {
        public Append {
            entries = List.copyOf(entries);
        }
    }

    /**
     * The answer to an Append, Heartbeat or InstallSnapshot. On success {@code index} is the last
     * index known to match the leader. On rejection it is the prevIndex that did not match, and
     * (hintIndex, hintTerm) say where the follower's log could still agree, so the leader skips a
     * whole term of conflicting entries per round trip.
     */
    record AppendResponse(long from, long to, long term, boolean rejected, long index, long hintIndex,
                          long hintTerm, long round) implements Message {
    }

    /**
     * Keeps followers from campaigning and carries the commit index up to what they are known to hold.
     * {@code quiesce} marks the last heartbeat of an idle group: a follower whose log ends at the
     * commit index stops its election timer until the group has something to do.
     */
    record Heartbeat(long from, long to, long term, long commit, long round, boolean quiesce) implements Message {

        public Heartbeat(long from, long to, long term, long commit, long round) {
            this(from, to, term, commit, round, false);
        }
    }

    record HeartbeatResponse(long from, long to, long term, long round) implements Message {
    }

    /**
     * A (pre-)vote request. A pre-vote carries the term the candidate would campaign in, without
     * anyone changing term. {@code transfer} marks an election a leader asked for, which followers
     * grant even while they still hear from that leader.
     */
    record VoteRequest(long from, long to, long term, boolean preVote, long lastIndex, long lastTerm,
                       boolean transfer) implements Message {
    }

    record VoteResponse(long from, long to, long term, boolean preVote, boolean granted) implements Message {
    }

    /**
     * Tells a follower to replace its state with a snapshot. The host delivers it to the core only
     * once the snapshot's bytes have fully arrived.
     */
    record InstallSnapshot(long from, long to, long term, SnapshotMeta snapshot, long round) implements Message {
    }

    /** A leader handing over: the receiver campaigns at once. */
    record TimeoutNow(long from, long to, long term) implements Message {
    }
}
