package io.flotilla.sql.node;

import io.flotilla.protocol.Hello;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.protocol.wire.NodeConnection;
import io.flotilla.protocol.wire.QuietLinks;

import java.sql.SQLException;
import java.time.Duration;

/**
 * How a node's session reaches another node's client port — to forward a statement to the range's
 * leader — under the client's own session, so exactly-once holds end to end. A real node opens a
 * connection of the client protocol; the whole-stack simulator hands the request to the other
 * node's session code over its simulated network.
 */
public interface PeerLinks {

    /** Opens a link to {@code node}, which listens at {@code address}, and says Hello on it. */
    Link open(long node, HostAddress address, Hello hello) throws SQLException;

    /** One open link: requests go one at a time, each answered or failing with a SQLException. */
    interface Link extends AutoCloseable {

        Response call(Request.Builder request) throws SQLException;

        /** The node that answered Hello. */
        long nodeId();

        /** Where it listens, as the link reached it. */
        HostAddress address();

        /**
         * Whether the link holds state at the other node between requests (a transaction, a
         * cursor): it is then kept alive while quiet, so that the other node can tell a quiet
         * session from a vanished one (Hello.keeps_alive) and release its locks at once for the
         * latter.
         */
        void holdsState(boolean holds);

        @Override
        void close();
    }

    /**
     * A real node's links: the client protocol over TCP. A connect waits half an election timeout
     * (the kernel accepts for a node however busy, so a longer wait only means the host is cut off,
     * and a node that still takes a cut-off leader for the leader should learn of the next one
     * soon after it is elected, not a whole election timeout later);
     * a call waits as long as its node answers keep-alives, so a statement may run for as long as
     * its client lets it, and a cut-off leader is given up after the link timeout the leader named.
     */
    static PeerLinks overClientProtocol(Duration electionTimeout) {
        int connectTimeoutMillis = (int) electionTimeout.dividedBy(2).toMillis();
        return (node, address, hello) -> {
            NodeConnection c = NodeConnection.open(address, hello, connectTimeoutMillis, 0, 0);
            return new Link() {
                @Override
                public Response call(Request.Builder request) throws SQLException {
                    return c.call(request);
                }

                @Override
                public long nodeId() {
                    return c.helloResult().getNodeId();
                }

                @Override
                public HostAddress address() {
                    return c.address();
                }

                @Override
                public void holdsState(boolean holds) {
                    if (holds) {
                        QuietLinks.SHARED.keepAlive(c);
                    } else {
                        QuietLinks.SHARED.release(c);
                    }
                }

                @Override
                public void close() {
                    QuietLinks.SHARED.release(c);
                    c.close();
                }
            };
        };
    }
}
