package io.flotilla.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Records gathered for one append: framed into one buffer, so a write is one system call. */
final class Records {

    private final List<RecordType> types = new ArrayList<>();
    private final List<byte[]> payloads = new ArrayList<>();
    private int bytes;

    void add(RecordType type, byte[] payload) {
        types.add(type);
        payloads.add(payload);
        bytes += RecordFrame.frameBytes(payload.length);
    }

    int size() {
        return types.size();
    }

    int frameBytes(int record) {
        return RecordFrame.frameBytes(payloads.get(record).length);
    }

    /** Appends every record to the segment; returns the offset of each. */
    long[] appendTo(Segment segment) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(bytes);
        long base = segment.file.size();
        long[] offsets = new long[types.size()];
        for (int i = 0; i < types.size(); i++) {
            offsets[i] = base + buffer.position();
            RecordFrame.write(buffer, types.get(i), payloads.get(i));
        }
        buffer.flip();
        segment.file.append(buffer);
        return offsets;
    }
}
