package io.flotilla.raft.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a leader has accepted but not yet confirmed: waiting for the leader's first commit of its
 * term, or for a quorum to answer a heartbeat round sent after the read arrived (ReadIndex).
 */
final class ReadQueue {

    private record Pending(long requestId, long index, long round) {
    }

    private final ArrayDeque<Pending> awaitingRound = new ArrayDeque<>();
    private final List<Long> awaitingOwnTermCommit = new ArrayList<>();
    private final List<Long> abandoned = new ArrayList<>();

    void awaitOwnTermCommit(long requestId) {
        awaitingOwnTermCommit.add(requestId);
    }

    List<Long> takeAwaitingOwnTermCommit() {
        List<Long> out = List.copyOf(awaitingOwnTermCommit);
        awaitingOwnTermCommit.clear();
        return out;
    }

    /** Rounds only grow, so the queue stays ordered by round. */
    void awaitRound(long requestId, long index, long round) {
        awaitingRound.addLast(new Pending(requestId, index, round));
    }

    void releaseUpTo(long quorumRound, List<ReadState> out) {
        while (!awaitingRound.isEmpty() && awaitingRound.peekFirst().round() <= quorumRound) {
            Pending p = awaitingRound.removeFirst();
            out.add(new ReadState(p.requestId(), p.index(), false));
        }
    }

    /** Leadership was lost: every pending read fails, and the host is told which. */
    void abandonAll() {
        for (Pending p : awaitingRound) {
            abandoned.add(p.requestId());
        }
        abandoned.addAll(awaitingOwnTermCommit);
        awaitingRound.clear();
        awaitingOwnTermCommit.clear();
    }

    boolean isEmpty() {
        return awaitingRound.isEmpty() && awaitingOwnTermCommit.isEmpty();
    }

    boolean hasAbandoned() {
        return !abandoned.isEmpty();
    }

    List<Long> takeAbandoned() {
        List<Long> out = List.copyOf(abandoned);
        abandoned.clear();
        return out;
    }
}
