package io.flotilla.protocol.wire;

/**
 * A call's deadline passed before its answer came (the caller's failover timeout, say): the link
 * is broken, and the node may or may not have carried the request out.
 */
public final class CallDeadlineException extends NodeConnectionException {

    public CallDeadlineException(String message, HostAddress node) {
        super(message, SqlStates.CONNECTION_FAILURE, node, true, null);
    }
}
