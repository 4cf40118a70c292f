package io.flotilla.sql.server;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.ReadIndex;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.protocol.wire.NodeConnection;
import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.range.SqlStates;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A node's line to a range's leader for {@link ReadIndex} questions, over the leader's client port
 * (the path forwarded client requests take). One connection, under a session id of its own, kept
 * while the same node leads; any failure closes it and the next question dials afresh.
 */
final class ReadIndexProbe implements StalenessBound.LeaderIndex, AutoCloseable {

    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    /** The leader answers or gives up within its own confirm timeout; a second more for the network. */
    static final int ANSWER_TIMEOUT_MILLIS = (int) TimeUnit.SECONDS.toMillis(ReadIndexAnswer.CONFIRM_TIMEOUT_SECONDS) + 1_000;

    private final Node node;
    private final long range;
    private final byte[] sessionId = new byte[16];
    /** Volatile so that {@link #close()} from another thread ends a call blocked on it at once. */
    private volatile NodeConnection link;
    private long linkedTo;
    private volatile boolean closed;

    ReadIndexProbe(Node node, long range) {
        this.node = node;
        this.range = range;
        new SecureRandom().nextBytes(sessionId);
    }

    @Override
    public synchronized long ask() throws SQLException {
        if (closed) {
            throw new SQLException("node " + node.id() + " is closing", SqlStates.UNAVAILABLE);
        }
        long leader = leader();
        if (leader == node.id()) {
            throw new SQLException("range " + range + ": this node leads it", SqlStates.NOT_LEADER);
        }
        InetSocketAddress address = (leader == 0 ? Optional.<InetSocketAddress>empty() : node.sqlAddressOf(leader))
                .orElseThrow(() -> new SQLException("range " + range + " has no leader this node can reach",
                        SqlStates.UNAVAILABLE));
        if (link == null || link.isBroken() || linkedTo != leader) {
            drop();
            Hello hello = Hello.newBuilder().setSessionId(ByteString.copyFrom(sessionId)).setReadOnly(true)
                    .setSessionStartedMillis(System.currentTimeMillis())
                    .setClient("flotilla node " + node.id() + " read index").build();
            link = NodeConnection.open(new HostAddress(address.getHostString(), address.getPort()), hello,
                    CONNECT_TIMEOUT_MILLIS, ANSWER_TIMEOUT_MILLIS, 0);
            linkedTo = leader;
        }
        Response answer;
        try {
            answer = link.call(Request.newBuilder().setReadIndex(ReadIndex.newBuilder().setRange(range)));
        } catch (SQLException e) {
            drop();
            throw e;
        }
        if (answer.hasError()) {
            drop();
            throw new SQLException("node " + leader + ": " + answer.getError().getMessage(),
                    answer.getError().getSqlState());
        }
        if (!answer.hasReadIndex()) {
            drop();
            throw new SQLException("node " + leader + " answered ReadIndex with " + answer.getKindCase(), "08P01");
        }
        return answer.getReadIndex().getLsn().getIndex();
    }

    private long leader() throws SQLException {
        try {
            return node.host().inspect(range, r -> r.leader()).get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new SQLException("range " + range + " is unavailable here: " + e, SqlStates.UNAVAILABLE, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", SqlStates.UNAVAILABLE, e);
        }
    }

    private void drop() {
        NodeConnection l = link;
        link = null;
        if (l != null) {
            l.close();
        }
    }

    /** Ends the connection, and a question blocked on it; later questions fail. */
    @Override
    public void close() {
        closed = true;
        drop();
    }
}
