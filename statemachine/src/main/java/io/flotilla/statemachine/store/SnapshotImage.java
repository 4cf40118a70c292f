package io.flotilla.statemachine.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;

/**
 * A database image as a channel, produced as it is read: nothing is spooled to disk and only a
 * block of rows is held in memory. Reading may happen on any one thread at a time, while the
 * store keeps applying. Closing it, read to the end or not, releases the H2 session behind it.
 */
public final class SnapshotImage implements ReadableByteChannel {

    private final ImageProducer producer;
    private final ByteSink produced;
    private boolean complete;
    private boolean open = true;

    SnapshotImage(ImageProducer producer, ByteSink produced) {
        this.producer = producer;
        this.produced = produced;
    }

    /** The applied position the image holds exactly, as read inside its own snapshot. */
    public AppliedPosition position() {
        return producer.position();
    }

    @Override
    public synchronized int read(ByteBuffer target) throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
        if (!target.hasRemaining()) {
            return 0;
        }
        while (produced.pending() == 0 && !complete) {
            complete = !producer.step();
        }
        if (produced.pending() == 0) {
            return -1;
        }
        return produced.drainTo(target);
    }

    @Override
    public synchronized boolean isOpen() {
        return open;
    }

    @Override
    public synchronized void close() throws IOException {
        if (open) {
            open = false;
            producer.close();
        }
    }
}
