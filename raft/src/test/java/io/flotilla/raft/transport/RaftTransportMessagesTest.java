package io.flotilla.raft.transport;

import static io.flotilla.raft.transport.TestNodes.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.Message;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.wire.GroupMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RaftTransportMessagesTest {

    private final TestNodes nodes = new TestNodes();

    @AfterEach
    void close() {
        nodes.close();
    }

    /**
     * Everything is queued before node 2's address is known, so the link must drain a backlog:
     * that makes batching deterministic instead of a matter of thread timing.
     */
    @Test
    void messagesOfManyGroupsArriveInOrderInFewBatches() throws Exception {
        var one = nodes.start(nodes.config(1), new RecordingInbound(), TestNodes.refusingSnapshots(), true);
        var received = new RecordingInbound();
        var two = nodes.start(nodes.config(2), received, TestNodes.refusingSnapshots(), false);

        List<GroupMessage> sent = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            GroupMessage m = new GroupMessage(i % 97, sample(1, 2, i));
            sent.add(m);
            one.send(m.group(), m.message());
        }
        assertEquals(2_000, one.stats(2).queuedMessages());
        nodes.book.put(2, two.localAddress());

        assertInOrderPerLane(sent, received.await(2_000, TIMEOUT), "messages from node 1");
        PeerStats stats = one.stats(2);
        assertEquals(2_000, stats.sentMessages());
        assertTrue(stats.sentFrames() <= 3, "2000 small messages took " + stats.sentFrames() + " frames");
        assertEquals(stats.sentFrames(), two.inboundStats().frames());
        assertEquals(0, stats.droppedQueueFull() + stats.droppedOversized());
    }

    @Test
    void aPingIsAnEmptyFrameThatTellsThePeerWeAreLive() throws Exception {
        var one = nodes.start(nodes.config(1), new RecordingInbound(), TestNodes.refusingSnapshots(), true);
        var received = new RecordingInbound();
        nodes.start(nodes.config(2), received, TestNodes.refusingSnapshots(), true);
        one.ping(2);
        assertEquals(0, received.awaitHeard(1, 1, TIMEOUT), "a ping delivers no message");
        one.ping(2);
        received.awaitHeard(1, 2, TIMEOUT);
        assertThrows(IllegalArgumentException.class, () -> one.ping(1));
    }

    @Test
    void heartbeatsOfAllGroupsAreCoalescedAndExpandedBack() throws Exception {
        var one = nodes.start(nodes.config(1), new RecordingInbound(), TestNodes.refusingSnapshots(), true);
        var received = new RecordingInbound();
        var two = nodes.start(nodes.config(2), received, TestNodes.refusingSnapshots(), false);

        List<GroupMessage> heartbeats = new ArrayList<>();
        List<GroupMessage> responses = new ArrayList<>();
        GroupMessage append = new GroupMessage(7, sample(1, 2, 0));
        for (long group = 1; group <= 500; group++) {
            GroupMessage h = new GroupMessage(group, new Message.Heartbeat(1, 2, group, 10 * group, group + 3));
            GroupMessage r = new GroupMessage(group + 1000, new Message.HeartbeatResponse(1, 2, group, group + 5));
            heartbeats.add(h);
            responses.add(r);
            one.send(h.group(), h.message());
            one.send(r.group(), r.message());
            if (group == 250) {
                one.send(append.group(), append.message());
            }
        }
        nodes.book.put(2, two.localAddress());

        List<GroupMessage> expected = new ArrayList<>();
        expected.add(append);
        expected.addAll(heartbeats);
        expected.addAll(responses);
        assertEquals(expected, received.await(1_001, TIMEOUT));
        assertEquals(1, one.stats(2).sentFrames());
    }

    @Test
    void threeNodesExchangeMessagesOfManyGroupsAllToAll() throws Exception {
        List<RecordingInbound> inboxes = List.of(new RecordingInbound(), new RecordingInbound(), new RecordingInbound());
        List<RaftTransport> transports = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            transports.add(nodes.start(n, inboxes.get(n - 1)));
        }
        int perPeer = 600;
        Thread[] senders = new Thread[3];
        for (int n = 1; n <= 3; n++) {
            long self = n;
            RaftTransport t = transports.get(n - 1);
            senders[n - 1] = new Thread(() -> {
                for (int i = 0; i < perPeer; i++) {
                    for (long peer = 1; peer <= 3; peer++) {
                        if (peer != self) {
                            t.send(i % 31, sample(self, peer, i));
                        }
                    }
                }
            });
            senders[n - 1].start();
        }
        for (Thread s : senders) {
            s.join();
        }
        for (int n = 1; n <= 3; n++) {
            List<GroupMessage> got = inboxes.get(n - 1).await(2 * perPeer, TIMEOUT);
            for (long peer = 1; peer <= 3; peer++) {
                if (peer == n) {
                    continue;
                }
                long from = peer;
                List<GroupMessage> expected = new ArrayList<>();
                for (int i = 0; i < perPeer; i++) {
                    expected.add(new GroupMessage(i % 31, sample(from, n, i)));
                }
                assertInOrderPerLane(expected, got.stream().filter(m -> m.message().from() == from).toList(),
                        "messages from node " + from + " at node " + n);
            }
        }
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfGrowing() {
        // Node 2 has no address, so nothing ever drains.
        var one = nodes.start(1, new RecordingInbound(), TestNodes.refusingSnapshots(),
                c -> c.withQueueLimits(1_000, 1L << 20));
        for (int i = 0; i < 1_500; i++) {
            // Appends and their answers: one lane (leadership traffic has a queue, and bounds, of its own).
            one.send(i, sample(1, 2, (i / 2) * 4 + i % 2));
        }
        PeerStats byCount = one.stats(2);
        assertEquals(1_000, byCount.queuedMessages());
        assertEquals(500, byCount.droppedQueueFull());
        for (int i = 0; i < 1_500; i++) {
            one.send(i, new Message.Heartbeat(1, 2, 1, 0, i));
        }
        assertEquals(2_000, one.stats(2).queuedMessages(), "heartbeats are not dropped because appends filled their queue");
        assertEquals(1_000, one.stats(2).droppedQueueFull());

        Message big = new Message.Append(1, 3, 1, 0, 0, List.of(new Entry(1, 1, new Payload.Command(new byte[4_000]))), 0, 0);
        for (int i = 0; i < 1_000; i++) {
            one.send(i, big);
        }
        PeerStats byBytes = one.stats(3);
        assertTrue(byBytes.queuedBytes() <= 1L << 20, "queued " + byBytes.queuedBytes() + " bytes");
        assertEquals(1L << 20, byBytes.queuedBytes(), 4_100);
        assertEquals(1_000, byBytes.queuedMessages() + byBytes.droppedQueueFull());
    }

    @Test
    void aMessageLargerThanAFrameIsDroppedAndCounted() throws Exception {
        UnaryOperator<TransportConfig> small = c -> c.withSnapshotChunkBytes(1024).withMaxFrameBytes(4096);
        var one = nodes.start(1, new RecordingInbound(), TestNodes.refusingSnapshots(), small);
        var received = new RecordingInbound();
        nodes.start(2, received, TestNodes.refusingSnapshots(), small);

        one.send(1, new Message.Append(1, 2, 1, 0, 0, List.of(new Entry(1, 1, new Payload.Command(new byte[5_000]))),
                0, 0));
        one.send(1, sample(1, 2, 1));
        assertEquals(List.of(new GroupMessage(1, sample(1, 2, 1))), received.await(1, TIMEOUT));
        assertEquals(1, one.stats(2).droppedOversized());
    }

    @Test
    void messagesMustBeFromThisNodeToAnother() {
        var one = nodes.start(1, new RecordingInbound());
        assertThrows(IllegalArgumentException.class, () -> one.send(1, sample(2, 3, 0)));
        assertThrows(IllegalArgumentException.class, () -> one.send(1, sample(1, 1, 0)));
        one.close();
        assertThrows(IllegalStateException.class, () -> one.send(1, sample(1, 2, 0)));
    }

    /**
     * Each lane (leadership traffic, the rest) arrives in the order it was sent; leadership traffic
     * may overtake the rest.
     */
    private static void assertInOrderPerLane(List<GroupMessage> sent, List<GroupMessage> received, String what) {
        assertEquals(sent.size(), received.size(), what);
        for (boolean leadership : new boolean[] {true, false}) {
            assertEquals(sent.stream().filter(m -> Message.isLeadershipTraffic(m.message()) == leadership).toList(),
                    received.stream().filter(m -> Message.isLeadershipTraffic(m.message()) == leadership).toList(),
                    "order of " + (leadership ? "leadership traffic" : "replication") + " among " + what);
        }
    }

    /** A mix of message kinds that the codec keeps in place (no heartbeats), distinct per i. */
    static Message sample(long from, long to, int i) {
        return switch (i % 4) {
            case 0 -> new Message.Append(from, to, 3, i, 3,
                    List.of(new Entry(3, i + 1L, new Payload.Command(new byte[] {(byte) i, 1, 2}))), i, i);
            case 1 -> new Message.AppendResponse(from, to, 3, false, i, 0, 0, i);
            case 2 -> new Message.VoteRequest(from, to, i, true, i, 2, false);
            default -> new Message.VoteResponse(from, to, i, false, true);
        };
    }
}
