package io.flotilla.raft.transport;

import static io.flotilla.raft.transport.TestNodes.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Message;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.testing.FaultyProxy;
import io.flotilla.raft.wire.GroupMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SnapshotStreamTest {

    private static final int MIB = 1 << 20;
    private static final Message.InstallSnapshot ANNOUNCEMENT = new Message.InstallSnapshot(1, 2, 5,
            new SnapshotMeta(1_000, 4, Membership.of(Set.of(1L, 2L, 3L), Set.of())), 9);

    private final TestNodes nodes = new TestNodes();

    @AfterEach
    void close() {
        nodes.close();
    }

    /**
     * Every 8 MiB the source itself sends a heartbeat and does not produce another byte until node
     * 2 has delivered it. So the stream can only finish if heartbeats get through while it is
     * under way, and the sink's byte count at each delivery shows where in the stream it happened.
     */
    @Test
    void aLargeSnapshotStreamsInChunksWhileHeartbeatsKeepFlowing() throws Exception {
        long total = 64L * MIB;
        var sink = new RecordingSink();
        var opened = new AtomicReference<GroupMessage>();
        var received = new RecordingInbound();
        List<Long> sinkBytesAtHeartbeat = Collections.synchronizedList(new ArrayList<>());
        received.onDeliver(() -> sinkBytesAtHeartbeat.add(sink.bytes()));
        nodes.start(2, received, (group, announcement) -> {
            opened.set(new GroupMessage(group, announcement));
            return sink;
        }, UnaryOperator.identity());
        var one = nodes.start(1, new RecordingInbound());

        int[] heartbeats = {0};
        var source = new GeneratedSource(total, 8L * MIB, position -> {
            int round = ++heartbeats[0];
            one.send(100 + round, new Message.Heartbeat(1, 2, 5, 0, round));
            try {
                received.await(round, TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for heartbeat " + round, e);
            }
        });
        one.sendSnapshot(7, ANNOUNCEMENT, source).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        sink.outcome.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        assertEquals(new GroupMessage(7, ANNOUNCEMENT), opened.get());
        assertEquals(total, sink.bytes());
        assertEquals(source.crc32c(), sink.crc32c());
        assertEquals(64, sink.chunks());
        assertEquals(MIB, sink.largestChunk());
        assertEquals(7, heartbeats[0]);
        assertEquals(7, received.all().size());
        for (int i = 0; i < 7; i++) {
            long at = sinkBytesAtHeartbeat.get(i);
            assertTrue(at <= (i + 1) * 8L * MIB && at < total,
                    "heartbeat " + (i + 1) + " arrived when the sink held " + at + " bytes");
        }
    }

    @Test
    void aFailingSourceFailsBothSides() throws Exception {
        var sink = new RecordingSink();
        nodes.start(2, new RecordingInbound(), (group, announcement) -> sink, UnaryOperator.identity());
        var one = nodes.start(1, new RecordingInbound());

        var source = new GeneratedSource(16L * MIB, 4L * MIB, position -> {
            throw new IOException("disk read error at " + position);
        });
        CompletableFuture<Void> sent = one.sendSnapshot(7, ANNOUNCEMENT, source);
        assertFailsWith(sent, "disk read error at 4194304");
        assertFailsWith(sink.outcome, "cut after");
        assertTrue(!source.isOpen(), "the transfer closes its source");
    }

    @Test
    void aCutConnectionFailsBothSides() throws Exception {
        var sink = new RecordingSink();
        var two = nodes.start(2, new RecordingInbound(), (group, announcement) -> sink, UnaryOperator.identity());
        try (FaultyProxy proxy = FaultyProxy.start(two.localAddress())) {
            nodes.book.put(2, proxy.address());
            var one = nodes.start(1, new RecordingInbound());
            var source = new GeneratedSource(32L * MIB, 4L * MIB, position -> {
                if (position == 8L * MIB) {
                    proxy.cutAll();
                }
            });
            CompletableFuture<Void> sent = one.sendSnapshot(7, ANNOUNCEMENT, source);
            assertFailsWith(sent, "snapshot");
            assertFailsWith(sink.outcome, "snapshot stream");
            assertTrue(sink.bytes() < 32L * MIB);
        }
    }

    @Test
    void aReceiverThatRefusesFailsTheSender() throws Exception {
        nodes.start(2, new RecordingInbound(), (group, announcement) -> {
            throw new IOException("no space left for group " + group);
        }, UnaryOperator.identity());
        var one = nodes.start(1, new RecordingInbound());
        var sent = one.sendSnapshot(7, ANNOUNCEMENT, new GeneratedSource(3L * MIB, MIB, position -> { }));
        assertFailsWith(sent, "no space left for group 7");
    }

    @Test
    void aSinkThatCannotCompleteFailsTheSender() throws Exception {
        var sink = new SnapshotSink() {
            @Override
            public void accept(java.nio.ByteBuffer chunk) {
            }

            @Override
            public void complete() throws IOException {
                throw new IOException("fsync failed");
            }

            @Override
            public void abort(Throwable cause) {
                throw new AssertionError("a sink that failed to complete is not aborted too", cause);
            }
        };
        nodes.start(2, new RecordingInbound(), (group, announcement) -> sink, UnaryOperator.identity());
        var one = nodes.start(1, new RecordingInbound());
        var sent = one.sendSnapshot(7, ANNOUNCEMENT, new GeneratedSource(MIB + 17, MIB, position -> { }));
        assertFailsWith(sent, "fsync failed");
    }

    @Test
    void aSnapshotToAnUnknownNodeFailsAtOnce() {
        var one = nodes.start(1, new RecordingInbound());
        var source = new GeneratedSource(MIB, MIB, position -> { });
        assertFailsWith(one.sendSnapshot(7, ANNOUNCEMENT, source), "no address for node 2");
        assertTrue(!source.isOpen());
    }

    private static void assertFailsWith(CompletableFuture<?> future, String expected) {
        var e = assertThrows(ExecutionException.class, () -> future.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            messages.append(t).append(" / ");
        }
        assertTrue(messages.toString().contains(expected), "expected \"" + expected + "\" in: " + messages);
    }
}
