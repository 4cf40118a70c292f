package io.flotilla.raft.linearizability;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;

/**
  * Collects a history as clients run: {@link #invoke} when a request is sent, then {@link #ok}
  * when its response arrives or {@link #unknown} when the client gives up. Times are supplied by
  * the caller (the simulator's virtual clock). Calls still open when {@link #operations()} is
  * read are reported as pending, exactly like {@link #unknown} ones.
  *
  * <p>Synchronized so that clients on real threads may share one recorder.
  */
public final class HistoryRecorder<I, O> {

    /** A handle on one invocation, to be completed at most once. */
    public static final class Call {
        private final HistoryRecorder<?, ?> owner;
        private final int index;

        private Call(HistoryRecorder<?, ?> owner, int index) {
            this.owner = owner;
            this.index = index;
        }

        @Override
        public String toString() {
            return "call #" + index;
        }
    }

    // Open calls are stored in their pending form and replaced when they return.
    private final List<Operation<I, O>> operations = new ArrayList<>();
    private final BitSet closed = new BitSet();

    public synchronized Call invoke(int client, I input, long invokedAt) {
        operations.add(Operation.pending(client, input, invokedAt));
        return new Call(this, operations.size() - 1);
    }

    /** The response arrived; {@code output} must be known (non-null). */
    public synchronized void ok(Call call, O output, long returnedAt) {
        Objects.requireNonNull(output, "output (use unknown() when it was not received)");
        Operation<I, O> open = open(call);
        // Built before closing so that a rejected return time leaves the call open.
        Operation<I, O> done =
                new Operation<>(open.client(), open.input(), output, open.invokedAt(), returnedAt);
        closed.set(call.index);
        operations.set(call.index, done);
    }

    /** The client gave up: the operation may or may not take effect, at any later time. */
    public synchronized void unknown(Call call) {
        open(call);
        closed.set(call.index);
    }

    /** A snapshot of everything recorded so far, in the order invoked. */
    public synchronized List<Operation<I, O>> operations() {
        return List.copyOf(operations);
    }

    private Operation<I, O> open(Call call) {
        if (call.owner != this) {
            throw new IllegalArgumentException(call + " belongs to another recorder");
        }
        if (closed.get(call.index)) {
            throw new IllegalStateException(call + " was already completed: "
                    + operations.get(call.index));
        }
        return operations.get(call.index);
    }
}
