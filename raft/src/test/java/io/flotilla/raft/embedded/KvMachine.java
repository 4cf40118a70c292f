package io.flotilla.raft.embedded;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.host.StateMachine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A key-value register store with compare-and-set, for tests and benchmarks of replicated groups;
 * kept out of the production artifacts. Applied and read on its group's worker thread only.
 */
public final class KvMachine implements StateMachine {

    private final Map<String, Long> values = new HashMap<>();

    /** Encodes a put ({@code cas == false}) or a compare-and-set of {@code expected} to {@code value}. */
    public static byte[] command(boolean cas, String key, long expected, long value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 4 + k.length + 16).put((byte) (cas ? 1 : 0)).putInt(k.length).put(k)
                .putLong(expected).putLong(value).array();
    }

    /** Returns, for a command, whether it took effect (a put always does). */
    @Override
    public Object apply(Entry entry) {
        if (!(entry.payload() instanceof Payload.Command c)) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(c.unsafeData());
        boolean cas = b.get() == 1;
        byte[] k = new byte[b.getInt()];
        b.get(k);
        String key = new String(k, StandardCharsets.UTF_8);
        long expected = b.getLong();
        long value = b.getLong();
        if (cas) {
            Long current = values.get(key);
            if (current == null || current != expected) {
                return Boolean.FALSE;
            }
        }
        values.put(key, value);
        return Boolean.TRUE;
    }

    /** The whole map, as (key length, key, value) records: small enough to copy at once. */
    @Override
    public ReadableByteChannel snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(values.size());
            for (var e : values.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return Channels.newChannel(new ByteArrayInputStream(bytes.toByteArray()));
    }

    @Override
    public void restore(ReadableByteChannel image) throws IOException {
        DataInputStream in = new DataInputStream(Channels.newInputStream(image));
        Map<String, Long> restored = new HashMap<>();
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
            restored.put(in.readUTF(), in.readLong());
        }
        values.clear();
        values.putAll(restored);
    }

    /** Every key and value, for comparing replicas. */
    public Map<String, Long> contents() {
        return Map.copyOf(values);
    }

    public OptionalLong get(String key) {
        Long v = values.get(key);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }
}
