package io.flotilla.sql.server;

import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;

/**
 * Requests a session sends to one range on behalf of a statement that reaches several ({@link
 * SpanningRead}, {@link SchemaFanOut}): on its lane to that range, run here or at the range's
 * leader as any statement of the session would be.
 */
interface RangeRequests {

    Response execute(long range, Request request);

    Response fetch(long range, Request request);

    /**
     * A {@code ReadIndex} question to the range's leader (the node's own replica, or through the
     * lane's forwarder): what it has applied, and with {@code with_prepared} what it holds prepared.
     */
    Response position(long range, Request question);

    /**
     * Ends a cursor the range holds for this session. A failure is logged, not thrown: the cursor
     * ends with the session's next statement there anyway.
     */
    void closeCursor(long range, Request on, long cursor);
}
