package io.flotilla.raft.linearizability;

import java.util.Objects;

/**
  * One client call as seen by the client: what it asked, what it was told and when.
  *
  * <p>Times are the caller's (typically a simulator's virtual clock); the checker only compares
  * them. An operation whose client gave up has {@code returnedAt == NEVER} and an unknown
  * ({@code null}) output: it may or may not have taken effect, at any time after its invocation.
  *
  * @param client who issued it; informational, the checker does not use it
  * @param output what the client was told, or {@code null} if unknown
  */
public record Operation<I, O>(int client, I input, O output, long invokedAt, long returnedAt) {

    /** The return time of an operation whose response never arrived. */
    public static final long NEVER = Long.MAX_VALUE;

    public Operation {
        Objects.requireNonNull(input, "input");
        if (invokedAt == NEVER) {
            throw new IllegalArgumentException("invocation time " + NEVER + " is reserved for NEVER");
        }
        if (returnedAt < invokedAt) {
            throw new IllegalArgumentException(
                    "returned at " + returnedAt + " before invoked at " + invokedAt + ": " + input);
        }
        if (returnedAt == NEVER && output != null) {
            throw new IllegalArgumentException("an operation that never returned has no output: " + input);
        }
    }

    /** An operation whose client gave up waiting for the response. */
    public static <I, O> Operation<I, O> pending(int client, I input, long invokedAt) {
        return new Operation<>(client, input, null, invokedAt, NEVER);
    }

    /** Whether the response never arrived, so the operation may take effect at any later time. */
    public boolean isPending() {
        return returnedAt == NEVER;
    }

    @Override
    public String toString() {
        return "client " + client + ": " + input + " -> " + (output == null ? "?" : output)
                + " [" + invokedAt + ", " + (isPending() ? "never" : Long.toString(returnedAt)) + "]";
    }
}
