package io.flotilla.protocol.wire;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;

/** The protocol's framing: a 4-byte big-endian length, then that many bytes of one message. */
public final class Frames {
    /** Frames above this size are refused, so a corrupt length cannot make a peer allocate gigabytes. */
    public static final int MAX_FRAME_BYTES = 64 * 1024 * 1024;
    /**
     * The largest request a node takes (a statement with its parameters): a node refuses a larger
     * one before it has read it whole, so the driver refuses to send it (54000) and keeps the link.
     */
    public static final int MAX_REQUEST_BYTES = 16 * 1024 * 1024;

    private Frames() {
    }

    /** Writes one frame; the caller flushes. */
    public static void write(OutputStream out, byte[] message) throws IOException {
        if (message.length > MAX_FRAME_BYTES) {
            throw new FrameTooLargeException(message.length);
        }
        int n = message.length;
        out.write(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        out.write(message);
    }

    /** Reads one frame's bytes; EOFException if the peer closed the stream, even between frames. */
    public static byte[] read(DataInputStream in) throws IOException {
        int n;
        try {
            n = in.readInt();
        } catch (EOFException e) {
            throw new EOFException("connection closed by the peer");
        }
        if (n < 0 || n > MAX_FRAME_BYTES) {
            throw new FrameTooLargeException(n & 0xFFFFFFFFL);
        }
        byte[] message = new byte[n];
        in.readFully(message);
        return message;
    }

    /** A frame whose length breaks the 64 MiB limit. */
    public static final class FrameTooLargeException extends IOException {
        public FrameTooLargeException(long length) {
            super("frame of " + length + " bytes exceeds the limit of " + MAX_FRAME_BYTES + " bytes");
        }
    }
}
