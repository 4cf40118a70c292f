package io.flotilla.raft.linearizability;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
  * Decides whether a concurrent history is linearizable with respect to a {@link Model}.
  *
  * <p>The history is split by {@link Model#partitionKey} and each partition is searched on its
  * own (see {@link PartitionSearch}), which is sound because linearizability is compositional and
  * turns one exponential search into many small ones. Pure: it never reads a clock.
  */
public final class LinearizabilityChecker {

    /** A budget that never runs out. */
    public static final long UNBOUNDED = Long.MAX_VALUE;

    private LinearizabilityChecker() {}

    /** Checks without a search budget: always returns a definite answer, eventually. */
    public static <S, I, O> CheckResult<I, O> check(Model<S, I, O> model,
            Collection<Operation<I, O>> operations) {
        return check(model, operations, UNBOUNDED);
    }

    /**
      * Checks, giving up on a partition once it has explored {@code maxStatesPerPartition} search
      * states.
      *
      * <p>Partitions are checked in order of first appearance in {@code operations}; the first
      * non-linearizable one is returned. A partition that runs out of budget yields
      * {@link CheckResult.Unknown} only if no later partition is proven non-linearizable.
      */
    public static <S, I, O> CheckResult<I, O> check(Model<S, I, O> model,
            Collection<Operation<I, O>> operations, long maxStatesPerPartition) {
        Objects.requireNonNull(model, "model");
        if (maxStatesPerPartition <= 0) {
            throw new IllegalArgumentException("budget must be positive: " + maxStatesPerPartition);
        }
        Map<Object, List<Operation<I, O>>> partitions = new LinkedHashMap<>();
        for (Operation<I, O> op : operations) {
            Object key = model.partitionKey(op.input());
            partitions.computeIfAbsent(key, k -> new ArrayList<>()).add(op);
        }

        CheckResult<I, O> firstUnknown = null;
        long statesExplored = 0;
        for (Map.Entry<Object, List<Operation<I, O>>> partition : partitions.entrySet()) {
            CheckResult<I, O> result =
                    PartitionSearch.run(model, partition.getKey(), partition.getValue(), maxStatesPerPartition);
            if (result instanceof CheckResult.NotLinearizable) {
                return result;
            }
            if (result instanceof CheckResult.Unknown<I, O> unknown) {
                if (firstUnknown == null) {
                    firstUnknown = unknown;
                }
            } else if (result instanceof CheckResult.Linearizable<I, O> ok) {
                statesExplored += ok.statesExplored();
            }
        }
        return firstUnknown != null
                ? firstUnknown
                : new CheckResult.Linearizable<>(partitions.size(), statesExplored);
    }
}
