package io.flotilla.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One append-only file, reduced to the operations the log needs. Appends come from one thread (the
 * writer); positional reads may come from any thread at the same time.
 *
 * <p>Nothing appended is durable until {@link #force()} returns: this is the line the fault-injecting
 * test implementation draws when it simulates a crash.
 */
public interface LogFile extends AutoCloseable {

    /** Bytes in the file, including appended bytes not yet forced. */
    long size() throws IOException;

    /** Writes all remaining bytes of {@code source} at the end of the file. */
    void append(ByteBuffer source) throws IOException;

    /** Reads into {@code target} from {@code position}; returns the bytes read, or -1 at the end of the file. */
    int read(ByteBuffer target, long position) throws IOException;

    /** Makes every byte appended so far (and any truncation) durable. */
    void force() throws IOException;

    /** Cuts the file to {@code size} bytes; durable only after {@link #force()}. */
    void truncate(long size) throws IOException;

    @Override
    void close() throws IOException;

    /** Reads exactly {@code target.remaining()} bytes from {@code position}, or fails at the end of the file. */
    default void readFully(ByteBuffer target, long position) throws IOException {
        long at = position;
        while (target.hasRemaining()) {
            int n = read(target, at);
            if (n < 0) {
                throw new java.io.EOFException("end of file at " + at + " reading " + target.remaining() + " more bytes");
            }
            at += n;
        }
    }
}
