package io.flotilla.raft.core;

/**
 * Faults that the simulator's self-test switches on, one at a time, to show that it catches each.
 * Production configurations never carry any; {@link Config} is where a test sets them.
 */
public enum DeliberateBug {
    /** Commit an entry of an older term by counting its replicas (Raft paper, figure 8). */
    COUNT_OLDER_TERM_TOWARD_COMMIT,
    /** Grant (pre-)votes while a live leader's lease may still be valid. */
    VOTE_DESPITE_LEASE,
    /** Lease as long as the election timeout, as if clocks never drifted. */
    LEASE_IGNORES_CLOCK_DRIFT,
    /** Grant votes to candidates whose log is behind the voter's. */
    SKIP_LOG_UP_TO_DATE_CHECK,
    /** A quiesced leader that wakes counts its lease from the moment it woke, as if waking were an answered round. */
    LEASE_FROM_WAKING
}
