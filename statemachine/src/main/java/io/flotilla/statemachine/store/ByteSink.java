package io.flotilla.statemachine.store;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** Bytes produced but not yet read: the hand-over between the image producer and its reader. */
final class ByteSink extends OutputStream {

    private byte[] bytes = new byte[64 * 1024];
    private int start;
    private int end;

    @Override
    public void write(int b) {
        ensure(1);
        bytes[end++] = (byte) b;
    }

    @Override
    public void write(byte[] source, int offset, int length) {
        ensure(length);
        System.arraycopy(source, offset, bytes, end, length);
        end += length;
    }

    int pending() {
        return end - start;
    }

    /** Moves as many pending bytes as fit into {@code target}; returns how many. */
    int drainTo(ByteBuffer target) {
        int count = Math.min(pending(), target.remaining());
        target.put(bytes, start, count);
        start += count;
        if (start == end) {
            start = 0;
            end = 0;
        }
        return count;
    }

    private void ensure(int extra) {
        if (end + extra <= bytes.length) {
            return;
        }
        int pending = pending();
        if (pending + extra <= bytes.length) {
            System.arraycopy(bytes, start, bytes, 0, pending);
        } else {
            bytes = Arrays.copyOfRange(bytes, start, start + Math.max(bytes.length * 2, pending + extra));
        }
        start = 0;
        end = pending;
    }
}
