package io.flotilla.raft.host;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A state machine image arriving from a leader, chunk by chunk, on the network's thread. */
public interface IncomingSnapshot {

    void accept(ByteBuffer chunk) throws IOException;

    /** All of it arrived: the group's core is told, and installs it if it still needs it. */
    void complete() throws IOException;

    /** The stream broke; what arrived is discarded. */
    void abort(Throwable cause);
}
