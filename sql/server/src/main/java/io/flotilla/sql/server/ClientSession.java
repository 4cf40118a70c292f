package io.flotilla.sql.server;

import io.flotilla.protocol.Ack;
import io.flotilla.protocol.CommitResult;
import io.flotilla.protocol.Error;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.HelloResult;
import io.flotilla.protocol.NodeAddress;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.sql.node.Announcement;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.Peer;
import io.flotilla.sql.node.Waits;
import io.flotilla.statemachine.range.SqlStates;

import java.sql.SQLException;
import java.util.Collection;
import java.util.Optional;


/**
 * One client connection's session on this node: the protocol side. Requests run one at a time, in
 * order, on a thread that may block (never a Netty event loop). Each statement is routed once
 * ({@link RangeRouting}): where this node leads the range or may serve the read as a follower, it
 * runs here ({@link RangeStatements}); everything else is forwarded to the leader over a
 * connection of this session's own ({@link Forwarder}), which stays with the leader for the rest
 * of an open transaction.
 */
public final class ClientSession implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ClientSession.class.getName());

    private final Node node;
    private final Waits waits;
    /** The client keeps its link alive while quiet (Hello.keeps_alive), so its silence means it is gone. */
    private volatile boolean keepsAlive;
    private final Forwarder forwarder;
    private final SessionSettings settings;
    private final RangeRouting routing;
    /** The session's statements on this node's replica of its range. */
    private final RangeStatements data;
    private byte[] sessionId;

    /** @param range the range the session's statements go to: the one data range, until ranges split */
    ClientSession(Node node, long range, Forwarder forwarder, SessionSettings settings, StalenessBound stalenessBound) {
        this.node = node;
        this.waits = node.environment().waits();
        this.forwarder = forwarder;
        this.settings = settings;
        this.routing = new RangeRouting(new FollowerReads(node, stalenessBound));
        this.data = new RangeStatements(node.replica(range), waits, () -> node.host().read(range, () -> Boolean.TRUE),
                node.config().electionTimeout().toNanos(), settings);
    }

    byte[] sessionId() {
        return sessionId;
    }

    /** Whether a transaction is open: here, or at the leader through the forwarder. */
    boolean inTransaction() {
        return data.inTransaction() || forwarder.active();
    }

    /**
     * Cancels the statement running now, if any (from another connection's thread): the one running
     * here, or the one this node forwarded to the leader. Best effort: a statement that ends first
     * is not cancelled.
     */
    void cancelRunning() {
        try {
            if (!data.cancelRunning()) {
                forwarder.cancel();
            }
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.DEBUG, "cancel failed", e);
        }
    }

    /** Whether the client promised to keep its link alive while it holds a transaction open and says nothing. */
    boolean keepsAlive() {
        return keepsAlive;
    }

    /** Answers one request; never throws: a failure is the answer's error, with its SQLState. */
    public Response handle(Request received) {
        Request request = withoutTrailingSemicolons(received);
        data.budget(FailoverBudget.of(request, waits));
        Response.Builder out = Response.newBuilder().setId(request.getId());
        try {
            if (request.getKindCase() != Request.KindCase.HELLO && sessionId == null) {
                throw new SQLException("the first request on a connection must be Hello", "08P01");
            }
            if (forwarder.active() && forwards(request)) {
                return forwarded(request);
            }
            switch (request.getKindCase()) {
                case HELLO -> out.setHello(hello(request.getHello()));
                case EXECUTE -> {
                    if (Announcement.is(request.getExecute())) {
                        return Registration.carryOut(node, request);
                    }
                    // Where it runs is decided once: leadership lost after this shows as a
                    // not-leader error from the range, never as a statement sent down another path.
                    RangeRouting.Route route = routing.route(request.getExecute(), data);
                    if (route == RangeRouting.Route.FORWARD) {
                        boolean transactionHere = data.inTransaction();
                        data.closeLocal();
                        if (transactionHere && !request.getExecute().getAutoCommit()) {
                            // The client's transaction lived in this replica's range session and
                            // ended with its leadership. Sent on to the leader, this statement
                            // would begin a new transaction there, which would commit without
                            // what came before it (found by the network tests: bank transfers
                            // with one of their two updates).
                            throw new SQLException("the transaction was rolled back: this replica stopped leading "
                                    + "the range; the statement was not run", SqlStates.ROLLED_BACK);
                        }
                        return forwarded(request);
                    }
                    out.setExecute(data.execute(request.getExecute(), route == RangeRouting.Route.FOLLOWER));
                }
                case FETCH -> out.setRows(data.fetch(request.getFetch().getCursor(), request.getFetch().getFetchSize()));
                case CLOSE_CURSOR -> {
                    data.closeCursor(request.getCloseCursor().getCursor());
                    out.setAck(Ack.getDefaultInstance());
                }
                case COMMIT -> out.setCommit(CommitResult.newBuilder()
                        .setLsn(data.commit(request.getCommit().getSequence())));
                case ROLLBACK -> {
                    data.rollback(request.getRollback().getSavepoint());
                    out.setAck(Ack.getDefaultInstance());
                }
                case PREPARE -> out.setPrepared(data.describe(request.getPrepare().getSql()));
                case PING, KEEP_ALIVE -> out.setAck(Ack.getDefaultInstance());
                case METADATA -> out.setMetadata(StatusReport.of(node));
                case READ_INDEX -> out.setReadIndex(ReadIndexAnswer.of(node, request.getReadIndex()));
                case ADMIN -> {
                    Optional<Response> forwarded = Administration.carryOut(node, request, forwarder);
                    if (forwarded.isPresent()) {
                        return forwarded.get();
                    }
                    out.setAck(Ack.getDefaultInstance());
                }
                default -> throw new SQLException("request " + request.getKindCase() + " is not supported here", "0A000");
            }
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("XX")) {
                // Internal errors (XX000) and a replica's data that does not match its log (XX001):
                // a bug or a broken replica, never the client's doing, so logged here, once, with its stack.
                LOG.log(System.Logger.Level.ERROR, "internal error in a " + request.getKindCase() + " request", e);
            }
            out.clear().setId(request.getId()).setError(error(e));
        } catch (RuntimeException e) {
            // A bug, not a client's mistake: logged here, once, with its stack; the client gets XX000.
            LOG.log(System.Logger.Level.ERROR, "internal error in a " + request.getKindCase() + " request", e);
            out.clear().setId(request.getId()).setError(Error.newBuilder().setSqlState("XX000")
                    .setMessage("internal error: " + e));
        }
        return out.build();
    }

    /** Sends a request to the leader; a setting the leader took is kept for whatever serves this session later. */
    private Response forwarded(Request request) {
        Response answer = forwarder.call(request);
        if (request.hasExecute() && !answer.hasError()) {
            settings.made(request.getExecute().getSql());
        }
        return answer;
    }

    private static boolean forwards(Request request) {
        return request.getKindCase() != Request.KindCase.HELLO && request.getKindCase() != Request.KindCase.PING
                && request.getKindCase() != Request.KindCase.KEEP_ALIVE
                && request.getKindCase() != Request.KindCase.METADATA
                && request.getKindCase() != Request.KindCase.READ_INDEX;
    }

    private HelloResult hello(Hello hello) {
        sessionId = hello.getSessionId().toByteArray();
        if (sessionId.length == 0 || sessionId.length > 64) {
            throw new IllegalArgumentException("a session id is 1 to 64 bytes");
        }
        keepsAlive = hello.getKeepsAlive();
        data.identify(sessionId, hello.getSessionStartedMillis(), hello.getReadOnly());
        forwarder.identify(sessionId, hello.getSessionStartedMillis(), hello.getReadOnly());
        HelloResult.Builder b = HelloResult.newBuilder().setNodeId(node.id()).setServerVersion("flotilla 0.1.0")
                // A node silent for an election timeout has lost its range's leadership, if it had
                // it, and may as well be given up: the request goes elsewhere under its session.
                .setLinkTimeoutMillis((int) node.config().electionTimeout().toMillis())
                .setSessionTtlMillis(node.environment().rangeOptions().sessionTtl().toMillis());
        for (Peer p : cluster()) {
            b.addCluster(NodeAddress.newBuilder().setNodeId(p.id()).setHost(p.sql().getHostString())
                    .setPort(p.sql().getPort()));
        }
        return b.build();
    }

    /** Every node this one knows (static peers and the node directory), for the driver to fail over to. */
    private Collection<Peer> cluster() {
        try {
            return node.knownPeers().values();
        } catch (SQLException e) {
            // The list only widens the driver's failover: a node whose directory cannot be read now
            // still serves the connection, with the peers it was configured with.
            LOG.log(System.Logger.Level.WARNING,
                    "the node directory is unreadable; Hello lists the configured peers only", e);
            return node.config().peers().values();
        }
    }

    // ------------------------------------------------------------------ statements' text

    /**
     * A statement's trailing semicolons (and the blanks around them) are not part of it: H2's JDBC
     * driver runs {@code DROP INDEX t1i1;}, and the single statements this node parses to
     * classify and prepare would fail on the {@code ;} (sqllogictest found it).
     */
    private static Request withoutTrailingSemicolons(Request request) {
        if (request.hasExecute() && endsInSemicolon(request.getExecute().getSql())) {
            return request.toBuilder().setExecute(request.getExecute().toBuilder()
                    .setSql(stripTrailingSemicolons(request.getExecute().getSql()))).build();
        }
        if (request.hasPrepare() && endsInSemicolon(request.getPrepare().getSql())) {
            return request.toBuilder().setPrepare(request.getPrepare().toBuilder()
                    .setSql(stripTrailingSemicolons(request.getPrepare().getSql()))).build();
        }
        return request;
    }

    private static boolean endsInSemicolon(String sql) {
        return sql.strip().endsWith(";");
    }

    static String stripTrailingSemicolons(String sql) {
        int end = sql.length();
        while (end > 0 && (sql.charAt(end - 1) == ';' || Character.isWhitespace(sql.charAt(end - 1)))) {
            end--;
        }
        return end == sql.length() ? sql : sql.substring(0, end);
    }

    static Error error(SQLException e) {
        Error.Builder b = Error.newBuilder().setSqlState(e.getSQLState() == null ? "HY000" : e.getSQLState())
                .setMessage(String.valueOf(e.getMessage())).setVendorCode(e.getErrorCode());
        return b.build();
    }

    /** Ends the session: an open transaction rolls back, the link to the leader closes. */
    @Override
    public void close() {
        try {
            data.close();
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING,
                    "closing a client session failed", e);
        }
        forwarder.close();
    }
}
