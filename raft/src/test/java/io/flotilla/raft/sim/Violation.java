package io.flotilla.raft.sim;

/** A broken safety property, with the simulated time and step it was seen at. */
public record Violation(String property, String detail, long step, long time) {

    @Override
    public String toString() {
        return property + " at step " + step + " (t=" + time + "ns): " + detail;
    }
}
