package io.flotilla.raft.transport;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/** A sink that checksums what it receives; {@link #outcome} completes or fails with the sink. */
final class RecordingSink implements SnapshotSink {

    final CompletableFuture<Void> outcome = new CompletableFuture<>();
    private final AtomicLong bytes = new AtomicLong();
    private final CRC32C crc = new CRC32C();
    private volatile int chunks;
    private volatile int largestChunk;

    @Override
    public void accept(ByteBuffer chunk) {
        if (outcome.isDone()) {
            throw new AssertionError("chunk after the sink ended");
        }
        chunks++;
        largestChunk = Math.max(largestChunk, chunk.remaining());
        bytes.addAndGet(chunk.remaining());
        crc.update(chunk);
    }

    @Override
    public void complete() {
        if (!outcome.complete(null)) {
            throw new AssertionError("sink ended twice");
        }
    }

    @Override
    public void abort(Throwable cause) {
        if (!outcome.completeExceptionally(cause)) {
            throw new AssertionError("sink ended twice");
        }
    }

    long bytes() {
        return bytes.get();
    }

    int crc32c() {
        return (int) crc.getValue();
    }

    int chunks() {
        return chunks;
    }

    int largestChunk() {
        return largestChunk;
    }
}
