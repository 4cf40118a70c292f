package io.flotilla.sql.server;

import io.flotilla.protocol.Request;
import io.flotilla.sql.node.Waits;

import java.util.concurrent.TimeUnit;

/**
 * The time a client still waits for a request, its retries on other nodes included, as it sent it
 * ({@code Request.failover_budget_millis}), on this node's clock. It bounds only this node's waits
 * on the cluster — for a route to the leader, for the fate of a write after the replica stopped
 * leading — never a statement's own running time: a client cut off with a minority then hears a
 * failover SQLState before its deadline instead of up to two election timeouts after it.
 */
record FailoverBudget(long deadlineNanos) {

    static final FailoverBudget NONE = new FailoverBudget(Long.MAX_VALUE);

    static FailoverBudget of(Request request, Waits waits) {
        int millis = request.getFailoverBudgetMillis();
        return millis == 0 ? NONE : new FailoverBudget(waits.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
    }

    /** The earlier of this budget's end and {@code nanos} from now. */
    long deadlineWithin(long nanos, Waits waits) {
        return Math.min(deadlineNanos, waits.nanoTime() + nanos);
    }

    boolean spent(Waits waits) {
        return deadlineNanos != Long.MAX_VALUE && waits.nanoTime() - deadlineNanos >= 0;
    }

    /** The request, sent on with what is left of the budget. */
    Request.Builder passOn(Request.Builder request, Waits waits) {
        if (deadlineNanos == Long.MAX_VALUE) {
            return request.clearFailoverBudgetMillis();
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - waits.nanoTime());
        return request.setFailoverBudgetMillis((int) Math.max(1, Math.min(Integer.MAX_VALUE, left)));
    }
}
