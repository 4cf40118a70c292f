package io.flotilla.sql.placement;

/**
 * One step of a placement plan. Each is an ordinary operation of a range's group: a replica moves by
 * a learner added on the target, caught up and promoted, and the source removed (joint consensus),
 * so the range never has fewer voters than it keeps; a lease moves by a leadership transfer.
 */
public sealed interface Operation {

    long range();

    /** A replica of {@code range} moves from node {@code from} to node {@code to}. */
    record MoveReplica(long range, long from, long to) implements Operation {
    }

    /** {@code range} gets a replica on {@code to} (it keeps fewer than it should). */
    record AddReplica(long range, long to) implements Operation {
    }

    /** {@code range}'s lease (its leadership) goes to its replica on {@code to}. */
    record TransferLease(long range, long to) implements Operation {
    }
}
