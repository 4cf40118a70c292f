package io.flotilla.bench.load;

import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Prints the first few errors of one run with their SQLState, so a failing run says why; the
 * clients count every error themselves.
 */
final class ErrorLog {

    /** Flotilla's "try again" answers: rolled back, outcome unknown, not the leader, range unavailable. */
    private static final Set<String> RETRYABLE = Set.of("40001", "40003", "08F01", "08F02");
    private static final int PRINTED = 5;

    private final String run;
    private final AtomicInteger seen = new AtomicInteger();

    ErrorLog(String run) {
        this.run = run;
    }

    /** After these the client goes on with its next operation on the same connection. */
    static boolean isRetryable(SQLException e) {
        return RETRYABLE.contains(e.getSQLState());
    }

    void report(int client, String phase, Throwable error) {
        int n = seen.incrementAndGet();
        if (n > PRINTED) {
            return;
        }
        String state = error instanceof SQLException s ? "SQLState " + s.getSQLState() : error.getClass().getName();
        String then = error instanceof SQLException s && isRetryable(s) ? "client continues" : "client stops";
        System.out.printf("  ! %s client %d (%s): %s: %s [%s]%n", run, client, phase, state, error.getMessage(), then);
        if (n == PRINTED) {
            System.out.printf("  ! %s: further errors are only counted%n", run);
        }
    }
}
