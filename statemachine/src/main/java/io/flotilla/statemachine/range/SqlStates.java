package io.flotilla.statemachine.range;

/**
 * The SQLSTATEs Flotilla itself raises. Standard codes where the standard has one; the rest in
 * class 08 (connection exception) with an {@code F} subclass, which no standard or H2 code uses.
 */
public final class SqlStates {

    /** The transaction was rolled back and may be retried as a whole (serialization failure). */
    public static final String ROLLED_BACK = "40001";
    /** The commit may or may not have happened; a retry with the same session sequence is exactly-once. */
    public static final String OUTCOME_UNKNOWN = "40003";
    /** This replica does not lead the range (or is not ready to serve yet); the message names the leader if known. */
    public static final String NOT_LEADER = "08F01";
    /** The range cannot serve: no quorum, stopped, or overloaded. */
    public static final String UNAVAILABLE = "08F02";
    /**
     * This replica stopped leading while an auto-commit write it proposed was in flight, and cannot
     * tell its outcome: resend the write under the same session sequence to the leader, which can
     * (the session table makes the resend exactly-once). Never sent for an explicit commit.
     */
    public static final String OUTCOME_AT_LEADER = "08F03";
    /**
     * The range does not own the keys the request or the write names (any more): a split moved
     * them to another range. Nothing was applied; route again and retry.
     */
    public static final String RANGE_MISMATCH = "08F04";
    /**
     * A schema change fanned out to a range that has not run the changes before it in the first
     * data range's schema log ({@code SchemaLog}): whoever fans it out brings the range up to date
     * first. Between nodes only.
     */
    public static final String SCHEMA_BEHIND = "08F05";
    /** A statement or transaction exceeded a configured size. */
    public static final String LIMIT_EXCEEDED = "54000";
    public static final String NOT_SUPPORTED = "0A000";
    /** An operation that needs an open transaction, or none, found the other. */
    public static final String INVALID_TRANSACTION_STATE = "25000";

    private SqlStates() {
    }
}
