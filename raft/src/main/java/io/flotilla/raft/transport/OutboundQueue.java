package io.flotilla.raft.transport;

import io.flotilla.raft.wire.PreparedMessage;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jctools.queues.MpscArrayQueue;

/**
 * The messages waiting for one peer: any thread offers, the peer's event loop drains. Bounded in
 * count and in bytes, because a peer that is down or slow must cost a bounded amount of memory;
 * past either bound an offer fails and the caller drops the message (Raft retransmits).
 */
final class OutboundQueue {

    private final MpscArrayQueue<PreparedMessage> queue;
    private final int maxMessages;
    private final long maxBytes;
    // Reserved before the offer and released after the poll, so they never undercount the queue.
    private final AtomicInteger messages = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    OutboundQueue(int maxMessages, long maxBytes) {
        // The array queue rounds its capacity up to a power of two; the counter enforces the exact bound.
        this.queue = new MpscArrayQueue<>(maxMessages);
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
    }

    /** False when either bound would be exceeded; the message is then not queued. */
    boolean offer(PreparedMessage m) {
        if (messages.incrementAndGet() > maxMessages) {
            messages.decrementAndGet();
            return false;
        }
        if (bytes.addAndGet(m.batchBytes()) > maxBytes) {
            bytes.addAndGet(-m.batchBytes());
            messages.decrementAndGet();
            return false;
        }
        if (!queue.offer(m)) {
            throw new IllegalStateException("queue refused a message within its reserved capacity");
        }
        return true;
    }

    /**
     * Moves messages, oldest first, into {@code into} while their batch bytes stay within
     * {@code maxBatchBytes}; at least one if any is queued. Only the owning event loop calls this.
     */
    int drainTo(List<PreparedMessage> into, int maxBatchBytes) {
        return drainTo(into, maxBatchBytes, 0);
    }

    /**
     * Moves messages as {@link #drainTo(List, int)} into a batch that already holds
     * {@code batchBytesSoFar}: at least one only if that is 0, so the batch never outgrows a frame.
     */
    int drainTo(List<PreparedMessage> into, int maxBatchBytes, long batchBytesSoFar) {
        int taken = 0;
        long batchBytes = batchBytesSoFar;
        PreparedMessage next;
        while ((next = queue.relaxedPeek()) != null) {
            if ((taken > 0 || batchBytesSoFar > 0) && batchBytes + next.batchBytes() > maxBatchBytes) {
                break;
            }
            queue.relaxedPoll();
            into.add(next);
            taken++;
            batchBytes += next.batchBytes();
            bytes.addAndGet(-next.batchBytes());
            messages.decrementAndGet();
        }
        return taken;
    }

    int messages() {
        return messages.get();
    }

    long bytes() {
        return bytes.get();
    }
}
