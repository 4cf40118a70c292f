package io.flotilla.raft.linearizability;

import java.util.List;

/** The verdict of {@link LinearizabilityChecker} on a history. */
public sealed interface CheckResult<I, O> {

    /** Whether the history was proven linearizable. */
    default boolean isLinearizable() {
        return this instanceof Linearizable;
    }

    /**
      * Every partition has a linearization.
      *
      * @param statesExplored search states visited over all partitions, a measure of effort
      */
    record Linearizable<I, O>(int partitions, long statesExplored) implements CheckResult<I, O> {}

    /**
      * One partition has no linearization.
      *
      * @param operations the partition's operations sorted by invocation
      * @param longestPrefix the longest sequence of them found to be linearizable, in order
      * @param stuck an operation that returned before any extension of that prefix could include it
      * @param explanation a short human-readable account of the above
      */
    record NotLinearizable<I, O>(
            Object partitionKey,
            List<Operation<I, O>> operations,
            List<Operation<I, O>> longestPrefix,
            Operation<I, O> stuck,
            String explanation)
            implements CheckResult<I, O> {

        public NotLinearizable {
            operations = List.copyOf(operations);
            longestPrefix = List.copyOf(longestPrefix);
        }

        // The generated toString would print whole histories; the explanation is the useful part.
        @Override
        public String toString() {
            return explanation;
        }
    }

    /**
      * The search budget ran out on a partition before it was proven either way (and no other
      * partition was proven non-linearizable).
      */
    record Unknown<I, O>(Object partitionKey, long statesExplored) implements CheckResult<I, O> {}
}
