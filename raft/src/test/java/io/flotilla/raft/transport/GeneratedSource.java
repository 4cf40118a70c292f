package io.flotilla.raft.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.zip.CRC32C;

/**
 * A snapshot image made up on the fly (no 64 MiB array or file needed), with a hook that runs
 * each time the stream reaches another multiple of {@code every} bytes: tests use it to act at
 * known points of a transfer, or to fail there.
 */
final class GeneratedSource implements ReadableByteChannel {

    interface Milestone {
        void reached(long position) throws IOException;
    }

    private static final int MAX_READ = 64 * 1024;

    private final long total;
    private final long every;
    private final Milestone milestone;
    private final CRC32C crc = new CRC32C();
    private long position;
    private long nextMilestone;
    private volatile boolean open = true;

    GeneratedSource(long total, long every, Milestone milestone) {
        this.total = total;
        this.every = every;
        this.milestone = milestone;
        this.nextMilestone = every;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!open) {
            throw new IOException("source closed");
        }
        if (position == total) {
            return -1;
        }
        if (position == nextMilestone) {
            nextMilestone += every;
            milestone.reached(position);
        }
        long untilMilestone = nextMilestone - position;
        int n = (int) Math.min(Math.min(dst.remaining(), MAX_READ), Math.min(total - position, untilMilestone));
        int start = dst.position();
        for (int i = 0; i < n; i++) {
            long p = position + i;
            dst.put((byte) (p * 31 + (p >>> 13)));
        }
        crc.update(dst.duplicate().position(start).limit(start + n));
        position += n;
        return n;
    }

    /** CRC-32C of everything produced so far: of the whole image once it was read to the end. */
    int crc32c() {
        return (int) crc.getValue();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        open = false;
    }
}
