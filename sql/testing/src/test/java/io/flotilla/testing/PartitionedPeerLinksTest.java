package io.flotilla.testing;

import io.flotilla.protocol.Hello;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.sql.node.PeerLinks;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Forwarding between two nodes fails where the cluster cut them apart, either way, and only there. */
class PartitionedPeerLinksTest {

    private static final HostAddress ADDRESS = new HostAddress("127.0.0.1", 1);

    @Test
    void cutLinksRefuseToOpenAndBreakOpenLinks() throws SQLException {
        Cuts cuts = new Cuts();
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        PeerLinks real = (node, address, hello) -> new PeerLinks.Link() {
            @Override
            public Response call(Request.Builder request) {
                calls.incrementAndGet();
                return Response.getDefaultInstance();
            }

            @Override
            public long nodeId() {
                return node;
            }

            @Override
            public HostAddress address() {
                return address;
            }

            @Override
            public void holdsState(boolean holds) {
            }

            @Override
            public void close() {
                closed.incrementAndGet();
            }
        };
        PeerLinks fromOne = new PartitionedPeerLinks(1, real, cuts);
        PeerLinks.Link toTwo = fromOne.open(2, ADDRESS, Hello.getDefaultInstance());
        toTwo.call(Request.newBuilder());
        assertEquals(1, calls.get());

        // One direction cut is enough: an answer that cannot come back is as good as lost.
        cuts.cut(2, 1);
        SQLException broken = assertThrows(SQLException.class, () -> toTwo.call(Request.newBuilder()));
        assertEquals("08006", broken.getSQLState());
        assertEquals(1, calls.get(), "nothing reached node 2");
        assertEquals(1, closed.get(), "the link was closed");
        SQLException refused = assertThrows(SQLException.class, () -> fromOne.open(2, ADDRESS, Hello.getDefaultInstance()));
        assertEquals("08001", refused.getSQLState());
        fromOne.open(3, ADDRESS, Hello.getDefaultInstance()).call(Request.newBuilder());
        assertEquals(2, calls.get(), "node 3 is still reachable");

        cuts.healAll();
        cuts.isolate(3);
        assertThrows(SQLException.class, () -> fromOne.open(3, ADDRESS, Hello.getDefaultInstance()));
        fromOne.open(2, ADDRESS, Hello.getDefaultInstance()).call(Request.newBuilder());
        assertTrue(calls.get() == 3, "healed: node 2 is reachable again");
    }
}
