package io.flotilla.sql.server;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.Cancel;
import io.flotilla.protocol.Error;
import io.flotilla.protocol.Execute;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.NodeAddress;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.TransactionStep;
import io.flotilla.protocol.wire.HostAddress;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.PeerLinks;
import io.flotilla.sql.node.Waits;
import io.flotilla.statemachine.range.SqlStates;

import java.net.InetSocketAddress;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client session's route to a range's leader when this node does not lead it: one
 * connection to the leader's client port, under the client's own session id (so exactly-once
 * works end to end). Once used, the session keeps it — an open transaction or cursor lives there —
 * until it breaks or the leader says it no longer leads; then an auto-commit statement, which
 * carries its sequence number, is sent again to the new leader, and anything else fails with a
 * precise SQLState.
 */
final class Forwarder implements AutoCloseable {

    /**
     * Election timeouts a request waits for a route to the leader before the range counts as
     * unavailable here (08F02): long enough for an election, short enough that the client, which
     * retries 08F02 elsewhere until its own failover timeout, decides how long to wait. A node cut
     * off with a client used to hold its requests for ten, twice the clients' failover timeout in
     * the network tests.
     */
    private static final int ROUTE_DEADLINE_ELECTIONS = 2;
    private static final long LEADER_QUERY_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Node node;
    /** The range whose leader this session's forwarded requests go to. */
    private final long range;
    private final Waits waits;
    private final PeerLinks peers;
    private final long routeDeadlineNanos;
    private byte[] sessionId;
    private long startedMillis;
    private boolean readOnly;
    /** Read by {@link #cancel} from another thread while a call holds it. */
    private volatile PeerLinks.Link link;
    private boolean pinned;

    private final SessionSettings settings;

    Forwarder(Node node, long range, SessionSettings settings) {
        this.node = node;
        this.range = range;
        this.waits = node.environment().waits();
        this.peers = node.environment().peers();
        this.routeDeadlineNanos = node.config().electionTimeout().toNanos() * ROUTE_DEADLINE_ELECTIONS;
        this.settings = settings;
    }

    void identify(byte[] sessionId, long startedMillis, boolean readOnly) {
        this.startedMillis = startedMillis;
        this.sessionId = sessionId;
        this.readOnly = readOnly;
    }

    /**
     * Whether the session's state lives at the leader now — an open transaction or an unfinished
     * cursor — so its next request must go there too. Between them, each request is routed afresh
     * (a session read may then be served by this replica).
     */
    boolean active() {
        return link != null && pinned;
    }

    private void pinAfter(Request request, Response answer) {
        boolean openCursor = (answer.hasExecute() && answer.getExecute().hasRows()
                && !answer.getExecute().getRows().getLast()) || (answer.hasRows() && !answer.getRows().getLast());
        switch (request.getKindCase()) {
            case EXECUTE -> pinned = openCursor || !request.getExecute().getAutoCommit()
                    || (pinned && answer.hasError());
            case FETCH -> pinned = openCursor || pinned && answer.hasError();
            case COMMIT, ROLLBACK -> pinned = false;
            // A prepared part keeps the session's connection at the leader until it is resolved.
            case TRANSACTION_STEP -> pinned = request.getTransactionStep().getKind() == TransactionStep.Kind.PREPARE
                    && !answer.hasError();
            default -> {
            }
        }
        link.holdsState(pinned);
    }

    Response call(Request request) {
        FailoverBudget budget = FailoverBudget.of(request, waits);
        long deadline = budget.deadlineWithin(routeDeadlineNanos, waits);
        String bound = deadline == budget.deadlineNanos()
                ? "within the client's failover budget of " + request.getFailoverBudgetMillis() + " ms"
                : "within " + ROUTE_DEADLINE_ELECTIONS + " election timeouts";
        boolean retryable = retryable(request);
        // A write that was sent, and whose answer never came or said the leader could not tell:
        // from then on the client must hear "resend under the sequence" (08F03), never "not applied".
        // A read applies nothing: at the deadline it hears that the range is unavailable (08F02).
        boolean write = request.hasExecute() && request.getExecute().getSequence() > 0;
        boolean maybeApplied = false;
        while (true) {
            SQLException failure;
            if (link == null) {
                try {
                    link = connectToLeader(deadline);
                } catch (LeadingHere e) {
                    // This node won the election and will serve once it applied an entry of its term:
                    // the client retries here in a moment instead of waiting on a route to itself.
                    return error(request, SqlStates.NOT_LEADER, e.getMessage());
                } catch (SQLException e) {
                    // Nothing was sent: trying again is safe for any request, until the deadline.
                    // Then the client hears that the range is unavailable (and backs off), never that
                    // a transaction it has not begun was rolled back.
                    close();
                    if (waits.nanoTime() - deadline >= 0) {
                        return error(request, maybeApplied ? SqlStates.OUTCOME_AT_LEADER : SqlStates.UNAVAILABLE,
                                "no route to the leader " + bound + ": " + e.getMessage());
                    }
                    pause(deadline);
                    continue;
                }
            }
            try {
                // The link numbers its own requests: the answer goes back under the client's id.
                Response answer = withLeader(link.call(budget.passOn(request.toBuilder(), waits)).toBuilder()
                        .setId(request.getId()));
                if (!answer.hasError() || !resendable(answer.getError().getSqlState()) || !retryable) {
                    pinAfter(request, answer);
                    return answer;
                }
                failure = new SQLException(answer.getError().getMessage(), answer.getError().getSqlState());
                maybeApplied |= write && SqlStates.OUTCOME_AT_LEADER.equals(failure.getSQLState());
            } catch (SQLException e) {
                failure = e;
                maybeApplied |= write;
                if (!retryable) {
                    // Sent, and the link broke: whatever this session had begun at the leader ends there.
                    close();
                    String state = request.getKindCase() == Request.KindCase.COMMIT ? SqlStates.OUTCOME_UNKNOWN
                            : SqlStates.ROLLED_BACK;
                    return error(request, state, "the connection to the range's leader broke: " + e.getMessage());
                }
            }
            close();
            if (waits.nanoTime() - deadline >= 0) {
                // A write that may have applied is answered 08F03, which the client resends under its
                // sequence until its own failover deadline; only then is its outcome unknown to it
                // (40003). This node's route deadline is shorter (a 40003 given here reached the
                // clients of 50 leader transfers and 20 kills).
                // Anything else (a read, a write never sent): the range is unavailable from here,
                // which the client retries elsewhere; a broken link's own 08006 would end its call.
                return error(request, maybeApplied ? SqlStates.OUTCOME_AT_LEADER : SqlStates.UNAVAILABLE,
                        "range " + range + " answered nothing this node could use " + bound + ": "
                                + failure.getMessage());
            }
            pause(deadline);
        }
    }

    /** Answers after which the leader that gave them may be gone, and a retryable request goes to the next one. */
    private static boolean resendable(String sqlState) {
        return SqlStates.NOT_LEADER.equals(sqlState) || SqlStates.OUTCOME_AT_LEADER.equals(sqlState);
    }

    /** Names the leader in a forwarded statement's result, so the client may go there itself. */
    private Response withLeader(Response.Builder answer) {
        if (answer.hasExecute()) {
            answer.getExecuteBuilder().setLeader(NodeAddress.newBuilder()
                    .setNodeId(link.nodeId()).setHost(link.address().host())
                    .setPort(link.address().port()));
        }
        return answer.build();
    }

    /** Safe to send again elsewhere: it carries its own sequence number, or it changes nothing. */
    private static boolean retryable(Request request) {
        return switch (request.getKindCase()) {
            case EXECUTE -> request.getExecute().getAutoCommit();
            case PING, METADATA, ADMIN, READ_INDEX -> true;
            // A decision or a resolve is the same entry whoever proposes it, and settles once.
            case TRANSACTION_STEP -> request.getTransactionStep().getKind() != TransactionStep.Kind.PREPARE;
            default -> false;
        };
    }

    private PeerLinks.Link connectToLeader(long deadline) throws SQLException {
        while (true) {
            long leader = leader();
            if (leader == node.id()) {
                throw new LeadingHere(range);
            }
            Optional<InetSocketAddress> known = leader == 0 ? Optional.empty() : node.sqlAddressOf(leader);
            if (known.isPresent()) {
                InetSocketAddress address = known.get();
                Hello hello = Hello.newBuilder().setSessionId(ByteString.copyFrom(sessionId)).setReadOnly(readOnly)
                        .setSessionStartedMillis(startedMillis).setKeepsAlive(true)
                        .setClient("flotilla node " + node.id() + " forwarding").build();
                PeerLinks.Link opened = peers.open(leader, new HostAddress(address.getHostString(), address.getPort()),
                        hello);
                try {
                    giveSettings(opened);
                } catch (SQLException e) {
                    opened.close();
                    throw e;
                }
                return opened;
            }
            if (waits.nanoTime() - deadline >= 0) {
                throw new SQLException("range " + range + " has no leader this node can reach",
                        SqlStates.UNAVAILABLE);
            }
            pause(deadline);
        }
    }

    /** A new link is a new session at the leader: it gets the settings the client made before. */
    private void giveSettings(PeerLinks.Link link) throws SQLException {
        for (String sql : settings.statements()) {
            Response answer = link.call(Request.newBuilder().setExecute(
                    Execute.newBuilder().setSql(sql).setAutoCommit(true)));
            if (answer.hasError()) {
                throw new SQLException("the leader refused the session's setting " + sql + ": "
                        + answer.getError().getMessage(), answer.getError().getSqlState());
            }
        }
    }

    private long leader() throws SQLException {
        try {
            return waits.await(node.host().inspect(range, r -> r.leader()), LEADER_QUERY_TIMEOUT_NANOS);
        } catch (ExecutionException | TimeoutException e) {
            throw new SQLException("range " + range + " is unavailable here: " + e, SqlStates.UNAVAILABLE, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", SqlStates.UNAVAILABLE, e);
        }
    }

    /** A pause between tries, never past the deadline, so that the answer leaves by then. */
    private void pause(long deadline) {
        try {
            long nanos = Math.min(PAUSE_NANOS, deadline - waits.nanoTime());
            if (nanos > 0) {
                waits.sleep(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Response error(Request request, String state, String message) {
        return Response.newBuilder().setId(request.getId())
                .setError(Error.newBuilder().setSqlState(state).setMessage(message)).build();
    }

    /** The route leads back here: this node has just become the leader. */
    private static final class LeadingHere extends SQLException {
        LeadingHere(long range) {
            super("range " + range + ": this node has just become its leader and serves in a moment",
                    SqlStates.NOT_LEADER);
        }
    }

    /**
     * Cancels the statement running at the leader for this session, if a call is forwarded there:
     * a Cancel under the same session id on a connection of its own (the forwarded call holds the
     * link). Called from another thread; best effort, like any cancel.
     */
    void cancel() throws SQLException {
        PeerLinks.Link l = link;
        if (l == null || sessionId == null) {
            return;
        }
        Hello hello = Hello.newBuilder().setSessionId(ByteString.copyFrom(sessionId)).setReadOnly(readOnly)
                .setSessionStartedMillis(startedMillis).setClient("flotilla node " + node.id() + " cancelling").build();
        try (PeerLinks.Link c = peers.open(l.nodeId(), l.address(), hello)) {
            c.call(Request.newBuilder().setCancel(Cancel.getDefaultInstance()));
        }
    }

    @Override
    public void close() {
        pinned = false;
        if (link != null) {
            link.close();
            link = null;
        }
    }
}
