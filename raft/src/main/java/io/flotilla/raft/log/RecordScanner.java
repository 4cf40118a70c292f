package io.flotilla.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Reads the records of one segment front to back, for recovery. Reads ahead in large chunks. */
final class RecordScanner {

    /** One step of the scan: a record, the clean end of the file, or damage at an offset. */
    sealed interface Step permits Record, End, Damage {
    }

    record Record(long offset, int frameBytes, RecordType type, byte[] payload) implements Step {
    }

    record End() implements Step {
    }

    /**
     * Bytes at {@code offset} that are not a record. {@code runsPastEnd}: the frame's header or its
     * declared length goes beyond the end of the file; {@code endsAtEnd}: the frame is complete and is
     * the last thing in the file. Either is what a write cut short by a crash leaves behind.
     */
    record Damage(long offset, String reason, boolean runsPastEnd, boolean endsAtEnd) implements Step {
    }

    private static final int CHUNK_BYTES = 1 << 20;

    private final LogFile file;
    private final long size;
    private long position;
    private ByteBuffer window = ByteBuffer.allocate(0);
    private long windowStart;

    RecordScanner(LogFile file) throws IOException {
        this.file = file;
        this.size = file.size();
    }

    Step next() throws IOException {
        long offset = position;
        long left = size - offset;
        if (left == 0) {
            return new End();
        }
        if (left < RecordFrame.HEADER_BYTES) {
            return new Damage(offset, "incomplete frame header (" + left + " bytes)", true, false);
        }
        ByteBuffer header = bytes(offset, RecordFrame.HEADER_BYTES);
        int length = header.getInt();
        int crc = header.getInt();
        byte typeCode = header.get();
        if (length < 0 || length > RecordFrame.MAX_PAYLOAD_BYTES) {
            return new Damage(offset, "impossible record length " + length, false, false);
        }
        long end = offset + RecordFrame.frameBytes(length);
        if (end > size) {
            return new Damage(offset, "record of " + length + " bytes runs past the end of the file", true, false);
        }
        byte[] payload = new byte[length];
        bytes(offset + RecordFrame.HEADER_BYTES, length).get(payload);
        if (RecordFrame.checksum(length, typeCode, payload, 0, length) != crc) {
            return new Damage(offset, "checksum mismatch", false, end == size);
        }
        RecordType type = RecordType.of(typeCode);
        if (type == null) {
            // The checksum matched, so this was written as is: a newer format or a bug, never a torn write.
            return new Damage(offset, "unknown record type " + typeCode, false, false);
        }
        position = end;
        return new Record(offset, (int) (end - offset), type, payload);
    }

    /** Whether every byte from {@code offset} to the end of the file is zero (space allocated, never written). */
    boolean zerosFrom(long offset) throws IOException {
        for (long at = offset; at < size; ) {
            int n = (int) Math.min(CHUNK_BYTES, size - at);
            ByteBuffer chunk = bytes(at, n);
            while (chunk.hasRemaining()) {
                if (chunk.get() != 0) {
                    return false;
                }
            }
            at += n;
        }
        return true;
    }

    private ByteBuffer bytes(long offset, int count) throws IOException {
        if (offset < windowStart || offset + count > windowStart + window.limit()) {
            int want = (int) Math.min(Math.max(count, CHUNK_BYTES), size - offset);
            window = ByteBuffer.allocate(want);
            file.readFully(window, offset);
            window.flip();
            windowStart = offset;
        }
        int from = (int) (offset - windowStart);
        return window.slice(from, count);
    }
}
