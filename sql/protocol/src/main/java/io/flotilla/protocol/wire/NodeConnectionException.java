package io.flotilla.protocol.wire;

import java.sql.SQLNonTransientConnectionException;

/**
 * The connection to one node failed: it could not be opened (08001) or broke while in use (08006).
 * The {@link NodeConnection} that raised it stays broken; a caller that wants to go on opens another.
 */
public class NodeConnectionException extends SQLNonTransientConnectionException {

    private final HostAddress node;
    private final boolean timedOut;

    public NodeConnectionException(String message, String sqlState, HostAddress node, boolean timedOut,
                                   Throwable cause) {
        super(message, sqlState, cause);
        this.node = node;
        this.timedOut = timedOut;
    }

    /** The node whose connection failed. */
    public HostAddress node() {
        return node;
    }

    /**
     * True when the node did not answer within the socket read timeout (JDBC's network timeout), as
     * opposed to an I/O error: the node may still be working on the request.
     */
    public boolean timedOut() {
        return timedOut;
    }
}
