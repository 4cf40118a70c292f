package io.flotilla.sql.server;

import java.sql.SQLException;

/**
 * A client session's way to one range: its statements on this node's replica ({@link
 * RangeStatements}) and its route to the range's leader ({@link Forwarder}). A session keeps one
 * per range it has used; its transaction and open cursors live in one of them.
 */
record RangeLane(long range, RangeStatements statements, Forwarder forwarder) implements AutoCloseable {

    /** Whether a transaction is open in this lane: here, or at the leader through the forwarder. */
    boolean inTransaction() {
        return statements.inTransaction() || forwarder.active();
    }

    void identify(byte[] sessionId, long startedMillis, boolean readOnly) {
        statements.identify(sessionId, startedMillis, readOnly);
        forwarder.identify(sessionId, startedMillis, readOnly);
    }

    /** Ends the lane: an open transaction rolls back, the link to the leader closes. */
    @Override
    public void close() throws SQLException {
        try {
            statements.close();
        } finally {
            forwarder.close();
        }
    }
}
