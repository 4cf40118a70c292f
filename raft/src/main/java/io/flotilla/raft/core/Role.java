package io.flotilla.raft.core;

/** A replica's part in its group's current term. Learners are followers that are not voters. */
public enum Role {
    FOLLOWER,
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
