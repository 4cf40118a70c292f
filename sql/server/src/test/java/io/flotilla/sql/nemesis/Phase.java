package io.flotilla.sql.nemesis;

/**
 * A stretch of the run: from a fault's start to the next one's (or the end), with the moment the
 * fault was healed; the first phase is the baseline, without a fault.
 *
 * @param healedNanos negative for the baseline
 */
public record Phase(int number, String fault, String target, long startNanos, long healedNanos, long endNanos) {

    public boolean hasFault() {
        return healedNanos >= 0;
    }
}
