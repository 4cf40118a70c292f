package io.flotilla.raft.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.core.Message;
import io.flotilla.raft.wire.FrameCodec;
import io.flotilla.raft.wire.PreparedMessage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboundQueueTest {

    private static PreparedMessage message(int i) {
        // Group and term stay below 128, so every message has the same encoded size.
        return FrameCodec.prepare(100 + i, new Message.VoteResponse(1, 2, 100 + i, false, true));
    }

    @Test
    void theCountBoundIsExactNotRoundedToAPowerOfTwo() {
        var queue = new OutboundQueue(5, Long.MAX_VALUE);
        for (int i = 0; i < 5; i++) {
            assertTrue(queue.offer(message(i)));
        }
        assertFalse(queue.offer(message(5)));
        assertEquals(5, queue.messages());
    }

    @Test
    void theByteBoundRefusesWhatWouldExceedIt() {
        int size = message(1).batchBytes();
        var queue = new OutboundQueue(100, 3L * size);
        assertTrue(queue.offer(message(1)));
        assertTrue(queue.offer(message(2)));
        assertTrue(queue.offer(message(3)));
        assertFalse(queue.offer(message(4)));
        assertEquals(3L * size, queue.bytes());
    }

    @Test
    void drainingKeepsOrderRespectsTheBatchBoundAndFreesRoom() {
        var queue = new OutboundQueue(100, Long.MAX_VALUE);
        List<PreparedMessage> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sent.add(message(i));
            queue.offer(sent.get(i));
        }
        int size = sent.get(0).batchBytes();
        List<PreparedMessage> batch = new ArrayList<>();
        assertEquals(4, queue.drainTo(batch, 4 * size + size / 2));
        assertEquals(sent.subList(0, 4), batch);
        assertEquals(6, queue.messages());
        assertEquals(6L * size, queue.bytes());
        // A bound below one message still takes one, so a large message is never stuck.
        assertEquals(1, queue.drainTo(batch, 1));
        assertEquals(5, queue.drainTo(batch, Integer.MAX_VALUE));
        assertEquals(sent, batch);
        assertEquals(0, queue.bytes());
    }
}
