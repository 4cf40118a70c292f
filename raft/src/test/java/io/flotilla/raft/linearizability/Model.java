package io.flotilla.raft.linearizability;

import java.util.Optional;

/**
  * The sequential specification a history is checked against.
  *
  * <p>States are used as memoisation keys, so they must be immutable, non-null and have value
  * equality ({@code equals}/{@code hashCode}).
  *
  * @param <S> state of one partition
  * @param <I> operation input
  * @param <O> operation output
  */
public interface Model<S, I, O> {

    /** The state every partition starts from. */
    S initialState();

    /**
      * Whether {@code input} may return {@code output} when applied to {@code state}, and if so the
      * state after it.
      *
      * <p>{@code output == null} means the caller never learnt the output (timeout, lost response):
      * the model must then accept the input in every state and just apply its effect, because an
      * operation with unknown output constrains nothing but its effect.
      *
      * @return the next state, or empty if the pair is illegal from {@code state}
      */
    Optional<S> step(S state, I input, O output);

    /**
      * The partition an input belongs to. Operations on different partitions never affect each
      * other, so each partition is checked on its own (P-compositionality). Return a constant to
      * check a history as a whole.
      */
    Object partitionKey(I input);
}
