package io.flotilla.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** A {@link LogFile} on a {@link FileChannel}. */
final class ChannelLogFile implements LogFile {

    private final FileChannel channel;
    /** Kept here so appends need no size system call; only the writer thread appends. */
    private volatile long size;

    ChannelLogFile(FileChannel channel) throws IOException {
        this.channel = channel;
        this.size = channel.size();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void append(ByteBuffer source) throws IOException {
        long at = size;
        while (source.hasRemaining()) {
            at += channel.write(source, at);
        }
        size = at;
    }

    @Override
    public int read(ByteBuffer target, long position) throws IOException {
        return channel.read(target, position);
    }

    @Override
    public void force() throws IOException {
        // Data only: the file's length is what fdatasync also flushes, the timestamps are not needed.
        channel.force(false);
    }

    @Override
    public void truncate(long newSize) throws IOException {
        channel.truncate(newSize);
        size = newSize;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
