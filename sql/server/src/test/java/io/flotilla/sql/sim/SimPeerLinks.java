package io.flotilla.sql.sim;

import io.flotilla.protocol.Hello;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.sql.node.PeerLinks;
import io.flotilla.sql.server.ClientSession;

import java.sql.SQLException;
import java.util.Map;

/**
 * Client-protocol links between simulated nodes, for forwarding to the leader: a request crosses
 * the simulated network (a seeded delay each way, lost with the link when either end crashes or
 * the link is cut), and runs in a session on the other node as that node's connection thread
 * would run it — here on the calling simulated thread, which is the same order of events.
 */
final class SimPeerLinks {

    /** A broken connection, as the driver's wire layer reports it. */
    private static final String LINK_BROKE = "08006";

    private final Scheduler scheduler;
    private final SimThreads threads;
    private final SimNetwork network;
    private final Map<Long, SimNode> nodes;

    SimPeerLinks(Scheduler scheduler, SimThreads threads, SimNetwork network, Map<Long, SimNode> nodes) {
        this.scheduler = scheduler;
        this.threads = threads;
        this.network = network;
        this.nodes = nodes;
    }

    /** The links as node {@code from} opens them. */
    PeerLinks from(long from) {
        return (to, address, hello) -> open(from, to, address, hello);
    }

    private PeerLinks.Link open(long from, long to, HostAddress address, Hello hello) throws SQLException {
        SimNode target = nodes.get(to);
        if (target == null) {
            throw new SQLException("no node " + to, LINK_BROKE);
        }
        Hop hop = new Hop(from, target);
        ClientSession session = hop.cross(target::openSession);
        Response answer = hop.round(session, Request.newBuilder().setHello(hello));
        if (answer.hasError()) {
            session.close();
            throw new SQLException(answer.getError().getMessage(), answer.getError().getSqlState());
        }
        return new PeerLinks.Link() {
            @Override
            public Response call(Request.Builder request) throws SQLException {
                return hop.round(session, request);
            }

            @Override
            public long nodeId() {
                return to;
            }

            @Override
            public HostAddress address() {
                return address;
            }

            @Override
            public void holdsState(boolean holds) {
                // The simulated node serves the session directly, without a client port whose
                // idle-in-transaction timer keep-alives would feed.
            }

            @Override
            public void close() {
                // A link to a node that crashed has nothing left to close there.
                if (hop.intact()) {
                    session.close();
                }
            }
        };
    }

    /** One connection's path from a node to another incarnation of a node. */
    private final class Hop {
        private final long from;
        private final SimNode target;
        private final int incarnation;

        Hop(long from, SimNode target) {
            this.from = from;
            this.target = target;
            this.incarnation = target.incarnation();
        }

        private SQLException broke() {
            return new SQLException("the connection to node " + target.id + " broke", LINK_BROKE);
        }

        boolean intact() {
            return target.up() && target.incarnation() == incarnation;
        }

        private void travel(long towards, long away) throws SQLException {
            threads.sleep(scheduler.millis(0.1, 3));
            if (!intact() || !network.linked(towards, away)) {
                throw broke();
            }
        }

        <T> T cross(SessionStep<T> step) throws SQLException {
            travel(from, target.id);
            return step.run();
        }

        Response round(ClientSession session, Request.Builder request) throws SQLException {
            travel(from, target.id);
            Request sent = request.build();
            Response answer = threads.inside(new SimThreads.Incarnation(target.id, incarnation),
                    () -> session.handle(sent)).orElseThrow(this::broke);
            // The answer is lost with the link if the node crashed or the link was cut meanwhile.
            travel(target.id, from);
            return answer;
        }
    }

    @FunctionalInterface
    private interface SessionStep<T> {
        T run() throws SQLException;
    }
}
