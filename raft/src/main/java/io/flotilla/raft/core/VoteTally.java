package io.flotilla.raft.core;

/** Where an election stands. */
public enum VoteTally {
    PENDING,
    WON,
    LOST
}
