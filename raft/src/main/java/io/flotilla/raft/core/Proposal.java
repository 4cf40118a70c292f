package io.flotilla.raft.core;

/** What became of a proposal: appended at (term, index), or refused. */
public sealed interface Proposal {

    /**
     * Appended to the leader's log. The proposal is committed if and only if the entry applied at
     * {@code index} has this {@code term}.
     */
    record Appended(long term, long index) implements Proposal {
    }

    record Refused(Refusal reason, long leaderHint) implements Proposal {
    }
}
