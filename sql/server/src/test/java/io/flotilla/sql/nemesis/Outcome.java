package io.flotilla.sql.nemesis;

import java.sql.SQLException;

/**
 * What one operation of a workload came to, on the run's clock.
 *
 * @param operation  what it was: connect, insert, transfer, audit, read, write, cas
 * @param sqlState   the SQLState of the failure, null when it succeeded
 * @param nodeBefore the node the client's connection was linked to when the operation began, 0 if none
 * @param nodeAfter  the node it was linked to when the operation ended, 0 if none (the driver dropped the link)
 * @param detail     for a failure: where it failed and the error's message; null when it succeeded
 */
public record Outcome(String workload, String operation, int client, long invokedNanos, long completedNanos, Result result,
               String sqlState, long nodeBefore, long nodeAfter, String detail) {

    public static final String CSV_HEADER =
            "workload,operation,client,invoked_s,completed_s,result,sqlstate,node_before,node_after,detail";

    public String csv() {
        return String.format("%s,%s,%d,%.6f,%.6f,%s,%s,%d,%d,\"%s\"", workload, operation, client, invokedNanos / 1e9,
                completedNanos / 1e9, result, sqlState == null ? "" : sqlState, nodeBefore, nodeAfter,
                detail == null ? "" : detail.replace("\"", "'"));
    }

    public enum Result {
        /** Acknowledged: it took effect (or, for a read, returned a value). */
        OK,
        /** Certainly without effect: refused, rolled back, or a read that returned nothing. */
        FAILED,
        /** A write whose effect cannot be told from its answer: it may or may not have been applied. */
        UNKNOWN
    }

    /**
     * What a failed auto-commit write means for its effect. The driver resends such a write to the
     * new leader with the same session sequence, so an error that survives its retries may follow
     * an attempt that was applied: connection failures (class 08), "outcome unknown" (40003), a
     * cancel (57014) and H2's general error leave it open. A rollback (40001: the entry lost its
     * place in the log, or a serialization failure) and H2's refusals of the statement itself
     * (constraint, data, syntax and lock-timeout errors) mean it was not applied.
     */
    static Result ofFailedWrite(SQLException e) {
        String state = e.getSQLState();
        if (state == null || state.startsWith("08") || state.equals("40003") || state.equals("57014")
                || state.equals("HY000")) {
            return Result.UNKNOWN;
        }
        return Result.FAILED;
    }
}
