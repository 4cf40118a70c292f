package io.flotilla.protocol.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;

/**
 * Reads the protocol's frames from a socket whose reads time out on purpose: a timeout is how a
 * {@link NodeConnection} wakes up to probe a quiet link, so a frame that was half read when it
 * struck must go on where it stopped. {@code DataInputStream.readFully} would lose the bytes read
 * before the timeout; this keeps them. Counts every byte received, so that a long answer arriving
 * slowly shows the link alive before its frame is whole.
 */
final class FrameReader {

    private final InputStream in;
    private final byte[] buffer = new byte[64 * 1024];
    private int position;
    private int limit;
    private final byte[] header = new byte[4];
    private int headerRead;
    /** The frame being read, once its length is known; null between frames. */
    private byte[] body;
    private int bodyRead;
    private long received;

    FrameReader(InputStream in) {
        this.in = in;
    }

    /** Every byte received so far, whole frames or not. */
    long received() {
        return received;
    }

    /**
     * The next frame's bytes.
     *
     * @throws SocketTimeoutException the socket's timeout passed first; what was read is kept, and
     *         the next call goes on with it
     * @throws EOFException the peer closed the stream
     * @throws Frames.FrameTooLargeException the length breaks {@link Frames#MAX_FRAME_BYTES}
     */
    byte[] read() throws IOException {
        while (headerRead < header.length) {
            headerRead += take(header, headerRead, header.length - headerRead);
        }
        if (body == null) {
            int n = ((header[0] & 0xFF) << 24) | ((header[1] & 0xFF) << 16) | ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
            if (n < 0 || n > Frames.MAX_FRAME_BYTES) {
                throw new Frames.FrameTooLargeException(n & 0xFFFFFFFFL);
            }
            body = new byte[n];
            bodyRead = 0;
        }
        while (bodyRead < body.length) {
            bodyRead += take(body, bodyRead, body.length - bodyRead);
        }
        byte[] frame = body;
        body = null;
        headerRead = 0;
        return frame;
    }

    /** Copies at most {@code length} buffered bytes, reading from the stream when none are buffered. */
    private int take(byte[] into, int offset, int length) throws IOException {
        if (position == limit) {
            int n = in.read(buffer, 0, buffer.length);
            if (n < 0) {
                throw new EOFException(headerRead == 0 && body == null ? "connection closed by the peer"
                        : "connection closed by the peer in the middle of a frame");
            }
            position = 0;
            limit = n;
            received += n;
        }
        int n = Math.min(length, limit - position);
        System.arraycopy(buffer, position, into, offset, n);
        position += n;
        return n;
    }
}
