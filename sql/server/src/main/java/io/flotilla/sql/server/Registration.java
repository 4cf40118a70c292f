package io.flotilla.sql.server;

import io.flotilla.protocol.Error;
import io.flotilla.protocol.ExecuteResult;
import io.flotilla.protocol.NodeAddress;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.UpdateCount;
import io.flotilla.sql.node.Announcement;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.Peer;
import io.flotilla.statemachine.range.SqlStates;

import java.net.InetSocketAddress;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A node's {@link Announcement} as the node that receives it answers: recorded in the node
 * directory if this node leads the meta range; otherwise "not the leader", naming the meta range's
 * leader where this node knows its client address, for the announcing node to go there itself.
 */
final class Registration {

    private Registration() {
    }

    static Response carryOut(Node node, Request request) throws SQLException {
        Peer peer = Announcement.parse(request.getExecute());
        if (!node.directory().leads()) {
            return notLeader(node, request);
        }
        boolean wrote = node.directory().record(peer);
        return Response.newBuilder().setId(request.getId())
                .setExecute(ExecuteResult.newBuilder().setUpdate(UpdateCount.newBuilder().setCount(wrote ? 1 : 0)))
                .build();
    }

    /** "Not the leader" of the meta range, naming its leader's client address where this node knows it. */
    static Response notLeader(Node node, Request request) throws SQLException {
        long leader = metaLeader(node);
        Error.Builder error = Error.newBuilder().setSqlState(SqlStates.NOT_LEADER)
                .setMessage("range " + Node.META_RANGE + ": node " + node.id() + " does not lead it"
                        + (leader == 0 ? " and knows no leader" : "; node " + leader + " does"));
        Optional<InetSocketAddress> known = leader == 0 || leader == node.id() ? Optional.empty() : node.sqlAddressOf(leader);
        if (known.isPresent()) {
            InetSocketAddress at = known.get();
            error.setLeader(NodeAddress.newBuilder().setNodeId(leader).setHost(at.getHostString()).setPort(at.getPort()));
        }
        return Response.newBuilder().setId(request.getId()).setError(error).build();
    }

    private static long metaLeader(Node node) throws SQLException {
        try {
            return node.host().inspect(Node.META_RANGE, r -> r.leader()).get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new SQLException("range " + Node.META_RANGE + " is unavailable here: " + e, SqlStates.UNAVAILABLE, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", SqlStates.UNAVAILABLE, e);
        }
    }
}
