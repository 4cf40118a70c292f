package io.flotilla.raft.transport;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Receives one snapshot image. Its methods are called one at a time on a snapshot thread, never on
 * the event loops that carry messages, so they may block on disk I/O; the transport reads no more
 * from the network until a call returns, which is the receiver's flow control.
 *
 * <p>Exactly one of {@link #complete()} and {@link #abort(Throwable)} ends every sink.
 */
public interface SnapshotSink {

    /** The next bytes of the image; the buffer is only valid during the call. */
    void accept(ByteBuffer chunk) throws IOException;

    /**
     * Every byte arrived and matched the sender's length and checksum. When this returns the
     * sender is told the transfer succeeded; an exception here tells it the transfer failed.
     */
    void complete() throws IOException;

    /** The stream broke or was refused; discard what was received. Must not throw. */
    void abort(Throwable cause);
}
