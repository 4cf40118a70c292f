package io.flotilla.statemachine.store;

/** The last log entry whose effects a database holds: its index and the term it was proposed in. */
public record AppliedPosition(long index, long term) {

    public static final AppliedPosition NONE = new AppliedPosition(0, 0);

    public AppliedPosition {
        if (index < 0 || term < 0) {
            throw new IllegalArgumentException("negative applied position " + index + "@" + term);
        }
    }
}
