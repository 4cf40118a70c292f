package io.flotilla.raft.sim;

/** A client of the simulated cluster: one operation at a time, sent to the node it thinks leads. */
final class SimClient {

    final int id;
    long leaderHint;
    ClientOp current;
    long written;
    Simulation.Scheduled timeout;

    SimClient(int id) {
        this.id = id;
    }

    /** Values are unique per write, so a read tells exactly which write it saw. */
    long nextValue() {
        return (long) id * 1_000_000_000L + ++written;
    }
}
