package io.flotilla.raft.sim;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A write to the simulated key-value register store: a put, or a compare-and-set. */
record KvCommand(boolean cas, String key, long expected, long value) {

    byte[] encode() {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 4 + k.length + 16).put((byte) (cas ? 1 : 0)).putInt(k.length).put(k)
                .putLong(expected).putLong(value).array();
    }

    static KvCommand decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        boolean cas = b.get() == 1;
        byte[] k = new byte[b.getInt()];
        b.get(k);
        return new KvCommand(cas, new String(k, StandardCharsets.UTF_8), b.getLong(), b.getLong());
    }
}
