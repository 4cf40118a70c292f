package io.flotilla.testing;

import io.flotilla.protocol.Hello;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.protocol.wire.NodeConnectionException;
import io.flotilla.protocol.wire.SqlStates;
import io.flotilla.sql.node.PeerLinks;

import java.sql.SQLException;

/**
 * A node's production links to other nodes' client ports (forwarding a client's statements to the
 * range's leader), failing where the cluster's {@link Cuts} say the two nodes cannot reach each
 * other: a node cut off from another cannot forward to it, by Raft or by SQL, as on a real
 * network. They fail at once, where a real cut would leave a connect or a call silent until its
 * timeout (half an election timeout to connect, the link timeout for a call): the node sees the
 * same failure, sooner. A call already under way when the cut comes is not interrupted.
 */
final class PartitionedPeerLinks implements PeerLinks {

    private final long self;
    private final PeerLinks links;
    private final Cuts cuts;

    PartitionedPeerLinks(long self, PeerLinks links, Cuts cuts) {
        this.self = self;
        this.links = links;
        this.cuts = cuts;
    }

    @Override
    public Link open(long node, HostAddress address, Hello hello) throws SQLException {
        if (!reachable(node)) {
            throw new NodeConnectionException("cannot connect to node " + address + ": node " + self
                    + " is cut off from it", SqlStates.UNABLE_TO_CONNECT, address, false, null);
        }
        Link link = links.open(node, address, hello);
        return new Link() {
            @Override
            public Response call(Request.Builder request) throws SQLException {
                if (!reachable(node)) {
                    // The connection is as good as dead: close it, as the link's liveness would.
                    link.close();
                    throw new NodeConnectionException("connection to node " + address + " is broken: node " + self
                            + " is cut off from it", SqlStates.CONNECTION_FAILURE, address, false, null);
                }
                return link.call(request);
            }

            @Override
            public long nodeId() {
                return link.nodeId();
            }

            @Override
            public HostAddress address() {
                return link.address();
            }

            @Override
            public void holdsState(boolean holds) {
                link.holdsState(holds);
            }

            @Override
            public void close() {
                link.close();
            }
        };
    }

    /** Both ways: a request that gets there but whose answer cannot come back is as good as lost. */
    private boolean reachable(long node) {
        return node == self || cuts.connected(self, node) && cuts.connected(node, self);
    }
}
