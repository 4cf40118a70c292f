package io.flotilla.raft.log;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The frame around every record: {@code [length u32][crc32c u32][type u8][payload]}, big-endian.
 * {@code length} counts the payload only; the checksum covers the length, the type and the payload,
 * so a damaged length is caught as surely as a damaged payload.
 */
final class RecordFrame {

    static final int HEADER_BYTES = 9;
    /** Far beyond any entry the core batches; a larger length is damage, not a record. */
    static final int MAX_PAYLOAD_BYTES = 256 << 20;

    private RecordFrame() {
    }

    static int frameBytes(int payloadBytes) {
        return HEADER_BYTES + payloadBytes;
    }

    static void write(ByteBuffer out, RecordType type, byte[] payload) {
        out.putInt(payload.length);
        out.putInt(checksum(payload.length, type.code, payload, 0, payload.length));
        out.put(type.code);
        out.put(payload);
    }

    static int checksum(int length, byte type, byte[] payload, int offset, int count) {
        CRC32C crc = new CRC32C();
        crc.update(length >>> 24);
        crc.update(length >>> 16);
        crc.update(length >>> 8);
        crc.update(length);
        crc.update(type);
        crc.update(payload, offset, count);
        return (int) crc.getValue();
    }

    static byte[] longPayload(long value) {
        return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
    }

    /**
     * Checks a whole frame read back from a file and returns its payload; null if the checksum or the
     * type does not match ({@code expected}), i.e. the bytes are not what was written.
     */
    static byte[] payloadOf(ByteBuffer frame, RecordType expected) {
        int length = frame.getInt(0);
        int crc = frame.getInt(4);
        byte type = frame.get(8);
        if (length != frame.limit() - HEADER_BYTES || type != expected.code) {
            return null;
        }
        byte[] payload = new byte[length];
        frame.get(HEADER_BYTES, payload);
        return checksum(length, type, payload, 0, length) == crc ? payload : null;
    }
}
