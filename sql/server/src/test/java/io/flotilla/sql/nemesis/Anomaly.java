package io.flotilla.sql.nemesis;

/**
 * A broken promise: an acknowledged write missing, a write applied twice, a total that changed,
 * a history with no linearization.
 *
 * @param atNanos when the operation it concerns was invoked, on the run's clock; negative when it
 *                belongs to no moment (the final state)
 */
public record Anomaly(String workload, long atNanos, String description) {
}
