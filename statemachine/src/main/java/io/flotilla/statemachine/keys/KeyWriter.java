package io.flotilla.statemachine.keys;

import java.util.Arrays;

/**
 * Builds a key from components, each written so that the unsigned byte order of two keys is the
 * order of their component tuples. Every component is prefix-free (fixed width, or terminated),
 * so the first byte in which two keys differ lies in the same component of both.
 */
public final class KeyWriter {

    /** Ends a terminated component; below every byte a component's body may start with but 0x00. */
    private static final int TERMINATOR = 0x01;
    /** Follows a 0x00 byte of a component's body, so that it sorts above the terminator. */
    private static final int ESCAPED_ZERO = 0xFF;

    private byte[] buffer = new byte[32];
    private int length;

    /**
     * A table id: unsigned, one byte giving how many bytes follow, then those bytes big-endian.
     * Short for small ids, and a longer id is always a larger one.
     */
    public KeyWriter tableId(long id) {
        if (id < 0) {
            throw new IllegalArgumentException("a table id is never negative: " + id);
        }
        int width = (Long.SIZE - Long.numberOfLeadingZeros(id) + 7) / 8;
        put(width);
        for (int shift = (width - 1) * 8; shift >= 0; shift -= 8) {
            put((int) (id >>> shift));
        }
        return this;
    }

    /** One unsigned byte. */
    public KeyWriter uint8(int value) {
        if ((value & ~0xFF) != 0) {
            throw new IllegalArgumentException("not an unsigned byte: " + value);
        }
        put(value);
        return this;
    }

    /** A signed 64-bit integer: 8 bytes big-endian with the sign bit flipped. */
    public KeyWriter int64(long value) {
        long flipped = value ^ Long.MIN_VALUE;
        for (int shift = 56; shift >= 0; shift -= 8) {
            put((int) (flipped >>> shift));
        }
        return this;
    }

    /** A signed 64-bit integer that sorts in descending order. */
    public KeyWriter int64Descending(long value) {
        return int64(~value);
    }

    /**
     * A sequence of unsigned code units (each at most 0x1FFFFF), terminated: unit by unit, then
     * shorter first, as {@link String#compareTo} compares chars. Units take 1 byte up to 0x7F, 2 up
     * to 0x3FFF and 3 above; 0 takes 2 bytes, so that the terminator sorts below every unit.
     */
    public KeyWriter units(int[] units, int count) {
        for (int i = 0; i < count; i++) {
            int unit = units[i];
            if (unit == 0) {
                put(0x00);
                put(ESCAPED_ZERO);
            } else if (unit <= 0x7F) {
                put(unit);
            } else if (unit <= 0x3FFF) {
                put(0x80 | (unit >>> 8));
                put(unit);
            } else if (unit <= 0x1FFFFF) {
                put(0xC0 | (unit >>> 16));
                put(unit >>> 8);
                put(unit);
            } else {
                throw new IllegalArgumentException("a code unit out of range: " + unit);
            }
        }
        put(0x00);
        put(TERMINATOR);
        return this;
    }

    /** Bytes compared unsigned, terminated: 0x00 written as 0x00 0xFF, the end as 0x00 0x01. */
    public KeyWriter bytes(byte[] bytes) {
        for (byte b : bytes) {
            put(b);
            if (b == 0) {
                put(ESCAPED_ZERO);
            }
        }
        put(0x00);
        put(TERMINATOR);
        return this;
    }

    public Key toKey() {
        return Key.wrap(Arrays.copyOf(buffer, length));
    }

    private void put(int b) {
        if (length == buffer.length) {
            buffer = Arrays.copyOf(buffer, buffer.length * 2);
        }
        buffer[length++] = (byte) b;
    }
}
