package io.flotilla.statemachine.keys;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A row key, or a bound of a span of keys: bytes compared unsigned, lexicographically, so that a
 * proper prefix sorts before every key that extends it.
 *
 * <p>Immutable: the bytes are copied in and never handed out.
 */
public final class Key implements Comparable<Key> {

    /** The smallest key: every key is at least this one. */
    public static final Key MIN = new Key(new byte[0]);

    private final byte[] bytes;

    private Key(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Key of(byte[] bytes) {
        return new Key(bytes.clone());
    }

    /** Takes the array without copying it; for {@link KeyWriter}, which never touches it again. */
    static Key wrap(byte[] bytes) {
        return new Key(bytes);
    }

    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** Whether this key begins with every byte of {@code prefix}. */
    public boolean startsWith(Key prefix) {
        return bytes.length >= prefix.bytes.length
                && Arrays.equals(bytes, 0, prefix.bytes.length, prefix.bytes, 0, prefix.bytes.length);
    }

    /**
     * The smallest key greater than every key that starts with this one, or {@code null} when
     * there is none (the key is empty or all {@code 0xFF}): the exclusive end of a prefix's span.
     */
    public Key prefixEnd() {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] != (byte) 0xFF) {
                byte[] end = Arrays.copyOf(bytes, i + 1);
                end[i]++;
                return new Key(end);
            }
        }
        return null;
    }

    @Override
    public int compareTo(Key other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Key key && Arrays.equals(bytes, key.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return bytes.length == 0 ? "/Min" : HexFormat.of().formatHex(bytes);
    }
}
