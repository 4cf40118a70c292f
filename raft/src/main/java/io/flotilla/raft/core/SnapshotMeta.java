package io.flotilla.raft.core;

import java.util.Objects;

/**
 * Identifies a state machine image: the last log entry it includes and the membership in force
 * there. The bytes themselves never pass through the core; they stream between hosts out of band.
 */
public record SnapshotMeta(long index, long term, Membership membership) {

    public SnapshotMeta {
        if (index < 0 || term < 0) {
            throw new IllegalArgumentException("negative snapshot index or term");
        }
        Objects.requireNonNull(membership, "membership");
    }

    /** The starting point of a group that has never run: index 0, term 0, the first members. */
    public static SnapshotMeta bootstrap(Membership membership) {
        return new SnapshotMeta(0, 0, membership);
    }
}
