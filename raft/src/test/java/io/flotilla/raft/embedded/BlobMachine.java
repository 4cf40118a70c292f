package io.flotilla.raft.embedded;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.host.StateMachine;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Keyed blobs, for tests of large state: a command is an 8-byte key followed by the blob. The image
 * streams from a copy of the key → blob map (blobs are never mutated, so the copy is cheap and
 * consistent), without building the whole image in memory.
 */
final class BlobMachine implements StateMachine {

    private TreeMap<Long, byte[]> blobs = new TreeMap<>();
    private long restoredBytes;

    static byte[] command(long key, byte[] blob) {
        return ByteBuffer.allocate(8 + blob.length).putLong(key).put(blob).array();
    }

    @Override
    public Object apply(Entry entry) {
        if (entry.payload() instanceof Payload.Command c) {
            ByteBuffer b = ByteBuffer.wrap(c.unsafeData());
            long key = b.getLong();
            byte[] blob = new byte[b.remaining()];
            b.get(blob);
            blobs.put(key, blob);
        }
        return null;
    }

    @Override
    public ReadableByteChannel snapshot() {
        Iterator<Map.Entry<Long, byte[]>> records = new TreeMap<>(blobs).entrySet().iterator();
        int count = blobs.size();
        return new ReadableByteChannel() {
            private ByteBuffer current = ByteBuffer.allocate(4).putInt(count).flip();
            private boolean open = true;

            @Override
            public int read(ByteBuffer dst) {
                int n = 0;
                while (dst.hasRemaining()) {
                    if (!current.hasRemaining()) {
                        if (!records.hasNext()) {
                            return n == 0 ? -1 : n;
                        }
                        var r = records.next();
                        current = ByteBuffer.allocate(12 + r.getValue().length).putLong(r.getKey())
                                .putInt(r.getValue().length).put(r.getValue()).flip();
                    }
                    int take = Math.min(dst.remaining(), current.remaining());
                    dst.put(current.slice().limit(take));
                    current.position(current.position() + take);
                    n += take;
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return open;
            }

            @Override
            public void close() {
                open = false;
            }
        };
    }

    @Override
    public void restore(ReadableByteChannel image) throws IOException {
        DataInputStream in = new DataInputStream(Channels.newInputStream(image));
        TreeMap<Long, byte[]> restored = new TreeMap<>();
        long bytes = 0;
        for (int i = in.readInt(); i > 0; i--) {
            long key = in.readLong();
            byte[] blob = new byte[in.readInt()];
            in.readFully(blob);
            restored.put(key, blob);
            bytes += blob.length;
        }
        blobs = restored;
        restoredBytes = bytes;
    }

    /** Bytes of blobs in the last image this replica restored (0 if none). */
    long restoredBytes() {
        return restoredBytes;
    }

    /** A checksum of every key and blob, to compare replicas. */
    long digest() {
        CRC32C crc = new CRC32C();
        for (var e : blobs.entrySet()) {
            crc.update(ByteBuffer.allocate(8).putLong(e.getKey()).array());
            crc.update(e.getValue());
        }
        return crc.getValue() ^ ((long) blobs.size() << 32);
    }
}
