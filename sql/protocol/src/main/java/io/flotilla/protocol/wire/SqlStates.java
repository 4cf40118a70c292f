package io.flotilla.protocol.wire;

/** The SQLStates the driver and the nodes agree on, beyond the ones H2 produces itself. */
public final class SqlStates {
    /** The driver could not reach any node. */
    public static final String UNABLE_TO_CONNECT = "08001";
    /** An established connection to a node failed (I/O error, closed socket, network timeout). */
    public static final String CONNECTION_FAILURE = "08006";
    /** The node or driver broke the frame or message rules of the protocol. */
    public static final String PROTOCOL_VIOLATION = "08P01";
    /** The node is not the leader of the range (Error.leader may name it). Retryable elsewhere. */
    public static final String NOT_LEADER = "08F01";
    /** The range cannot serve right now (no leader, no quorum). Retryable elsewhere or later. */
    public static final String UNAVAILABLE = "08F02";
    /**
     * The node lost the range's leadership with the auto-commit write in flight and cannot tell
     * its outcome: resend it under its sequence to the leader. If no node can say before the
     * failover deadline, the application gets {@link #OUTCOME_UNKNOWN}.
     */
    public static final String OUTCOME_AT_LEADER = "08F03";
    /**
     * The range does not own the keys the request names (any more): a split moved them. Nothing
     * was applied; retryable once the caller has routed again.
     */
    public static final String RANGE_MISMATCH = "08F04";
    /** The transaction was rolled back (serialization failure, or lost in a failover). */
    public static final String TRANSACTION_ROLLBACK = "40001";
    /** A commit was cut off before its answer: it may or may not have been applied. */
    public static final String OUTCOME_UNKNOWN = "40003";
    public static final String QUERY_CANCELED = "57014";
    public static final String FEATURE_NOT_SUPPORTED = "0A000";
    public static final String INVALID_TRANSACTION_STATE = "25000";
    public static final String ACTIVE_TRANSACTION = "25001";
    public static final String INVALID_PARAMETER_VALUE = "22023";
    public static final String NUMERIC_OUT_OF_RANGE = "22003";
    public static final String INVALID_CHARACTER_VALUE_FOR_CAST = "22018";
    public static final String PARAMETER_NOT_SET = "07001";
    public static final String INVALID_DESCRIPTOR_INDEX = "07009";
    public static final String INVALID_CURSOR_STATE = "24000";
    public static final String CONNECTION_DOES_NOT_EXIST = "08003";
    public static final String PROGRAM_LIMIT_EXCEEDED = "54000";
    public static final String GENERAL_ERROR = "HY000";
    public static final String INVALID_ATTRIBUTE_VALUE = "HY024";

    private SqlStates() {
    }

    /** True for the node answers after which the same request may be retried on another node. */
    public static boolean isFailover(String sqlState) {
        return NOT_LEADER.equals(sqlState) || UNAVAILABLE.equals(sqlState) || OUTCOME_AT_LEADER.equals(sqlState)
                || RANGE_MISMATCH.equals(sqlState);
    }
}
