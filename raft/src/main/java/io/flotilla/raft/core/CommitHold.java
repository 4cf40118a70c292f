package io.flotilla.raft.core;

/** What became of a request to hold a leader's commit index ({@link Raft#holdCommits}). */
public sealed interface CommitHold {

    /** In force: nothing beyond {@code index} commits until hold {@code id} of leadership {@code term} ends. */
    record Held(long term, long id, long index) implements CommitHold {
    }

    record Refused(Refusal reason, long leaderHint) implements CommitHold {
    }
}
