package io.flotilla.sql.server;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.Ack;
import io.flotilla.protocol.CloseCursor;
import io.flotilla.protocol.CommitResult;
import io.flotilla.protocol.Error;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.HelloResult;
import io.flotilla.protocol.NodeAddress;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.TransactionStep;
import io.flotilla.sql.node.Announcement;
import io.flotilla.sql.node.Node;
import io.flotilla.sql.node.Peer;
import io.flotilla.sql.node.Waits;
import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.range.RangeMismatchException;
import io.flotilla.statemachine.range.ShowRanges;
import io.flotilla.statemachine.range.SplitAt;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.SqlStates;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One client connection's session on this node: the protocol side. Requests run one at a time, in
 * order, on a thread that may block (never a Netty event loop). Each statement goes to the range
 * that holds its keys ({@link RangePlanner}), and is routed there once ({@link RangeRouting}):
 * where this node leads the range or may serve the
 * read as a follower, it runs here ({@link RangeStatements}); everything else is forwarded to the
 * range's leader over a connection of this session's own ({@link Forwarder}), which stays with the
 * leader for the rest of an open transaction. A session keeps a {@link RangeLane} per range it
 * used; its open cursors live in one, and its transaction in each range it reached: at READ
 * COMMITTED a transaction may go on in another range ({@link SessionTransaction}: its commit across
 * the ranges it wrote in, and the changes whose keys span ranges).
 */
public final class ClientSession implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ClientSession.class.getName());

    private final Node node;
    private final Waits waits;
    /** The client keeps its link alive while quiet (Hello.keeps_alive), so its silence means it is gone. */
    private volatile boolean keepsAlive;
    private final SessionSettings settings;
    private final RangeRouting routing;
    private final RangePlanner planner;
    private final SplitStatement splits;
    private final SpanningRead spanning;
    private final SchemaFanOut schemaFanOut;
    private final RangeMap ranges;
    private final RangeLoad load;
    private final Map<Long, RangeLane> lanes = new TreeMap<>();
    /** The transaction across the ranges the session reached. */
    private final SessionTransaction transaction;
    /** Where the session's transaction and cursors live, or its last statement ran. Volatile: cancel reads it. */
    private volatile RangeLane current;
    private byte[] sessionId;
    private long sessionStartedMillis;
    private boolean readOnly;
    /** How a split reaches a range's leader and the meta range: this session's lanes. */
    private final SplitStatement.Lanes splitLanes = new SplitStatement.Lanes() {
        @Override
        public RangeLane lane(long range) {
            return ClientSession.this.lane(range);
        }

        @Override
        public Response forward(RangeLane lane, Request r) {
            return forwarded(lane, r);
        }
    };
    /** This session's requests to one range, on its lane there, for statements that reach several. */
    private final RangeRequests rangeRequests = new RangeRequests() {
        @Override
        public Response execute(long range, Request part) {
            return executeIn(lane(range), part);
        }

        @Override
        public Response fetch(long range, Request part) {
            RangeLane lane = lane(range);
            if (lane.forwarder().active()) {
                return forwarded(lane, part);
            }
            try {
                return Response.newBuilder().setId(part.getId())
                        .setRows(lane.statements().fetch(part.getFetch().getCursor(), part.getFetch().getFetchSize()))
                        .build();
            } catch (SQLException e) {
                return failed(part, e);
            }
        }

        @Override
        public Response position(long range, Request question) {
            RangeReplica here = node.replicas().get(range);
            if (here != null && here.serving()) {
                try {
                    return Response.newBuilder().setId(question.getId())
                            .setReadIndex(ReadIndexAnswer.of(node, question.getReadIndex())).build();
                } catch (SQLException e) {
                    if (!SqlStates.NOT_LEADER.equals(e.getSQLState())) {
                        return failed(question, e);
                    }
                    // It stopped leading since: ask the range's leader, wherever it is now.
                }
            }
            return lane(range).forwarder().call(question);
        }

        @Override
        public void closeCursor(long range, Request on, long cursor) {
            RangeLane lane = lane(range);
            Request close = Request.newBuilder().setId(on.getId())
                    .setCloseCursor(CloseCursor.newBuilder().setCursor(cursor)).build();
            try {
                if (lane.forwarder().active()) {
                    Response answer = forwarded(lane, close);
                    if (answer.hasError()) {
                        LOG.log(System.Logger.Level.DEBUG, "closing cursor " + cursor + " at range " + range + "'s leader "
                                + "failed: " + answer.getError().getMessage());
                    }
                } else {
                    lane.statements().closeCursor(cursor);
                }
            } catch (SQLException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing cursor " + cursor + " of range " + range + " failed", e);
            }
        }
    };

    /** @param firstRange the range a session starts in (the initial data range): where it plans statements */
    ClientSession(Node node, long firstRange, SessionSettings settings, StalenessBound stalenessBound,
                  SpanningRead spanning, RangeLoad load) {
        this.node = node;
        this.waits = node.environment().waits();
        this.settings = settings;
        this.routing = new RangeRouting(new FollowerReads(node, stalenessBound));
        this.ranges = new RangeMap(node);
        this.planner = new RangePlanner(node, ranges);
        this.splits = new SplitStatement(node, ranges);
        this.spanning = spanning;
        this.load = load;
        this.schemaFanOut = new SchemaFanOut(ranges);
        this.transaction = new SessionTransaction(new SessionTransaction.Lanes() {
            @Override
            public RangeLane lane(long range) {
                return ClientSession.this.lane(range);
            }

            @Override
            public RangeLane current() {
                return current;
            }

            @Override
            public List<RangeLane> open() {
                return openLanes();
            }

            @Override
            public Response execute(RangeLane lane, Request request) {
                return executeIn(lane, request);
            }

            @Override
            public Response end(RangeLane lane, Request request) {
                return endIn(lane, request);
            }

            @Override
            public Response step(long range, TransactionStep step, Request on) {
                return transactionStep(range, step, on);
            }
        }, waits, node.environment().random());
        this.current = lane(firstRange);
    }

    /** The session's lane to {@code range}, made on first use. */
    private RangeLane lane(long range) {
        RangeLane lane = lanes.get(range);
        if (lane == null) {
            RangeStatements statements = new RangeStatements(node.replica(range), waits,
                    () -> node.host().read(range, () -> Boolean.TRUE), node.config().electionTimeout().toNanos(), settings,
                    load);
            lane = new RangeLane(range, statements, new Forwarder(node, range, settings));
            if (sessionId != null) {
                lane.identify(sessionId, sessionStartedMillis, readOnly);
            }
            lanes.put(range, lane);
        }
        return lane;
    }

    byte[] sessionId() {
        return sessionId;
    }

    /** Whether a transaction is open, in any range: here, or at a leader through a forwarder. */
    boolean inTransaction() {
        for (RangeLane lane : lanes.values()) {
            if (lane.inTransaction()) {
                return true;
            }
        }
        return false;
    }

    /** The lanes the open transaction has reached, in range order. */
    private List<RangeLane> openLanes() {
        List<RangeLane> open = new ArrayList<>();
        for (RangeLane lane : lanes.values()) {
            if (lane.inTransaction()) {
                open.add(lane);
            }
        }
        return open;
    }

    /**
     * Cancels the statement running now, if any (from another connection's thread): the one running
     * here, or the one this node forwarded to the leader. Best effort: a statement that ends first
     * is not cancelled.
     */
    void cancelRunning() {
        RangeLane lane = current;
        try {
            if (!lane.statements().cancelRunning()) {
                lane.forwarder().cancel();
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
        Response.Builder out = Response.newBuilder().setId(request.getId());
        try {
            if (request.getKindCase() != Request.KindCase.HELLO && sessionId == null) {
                throw new SQLException("the first request on a connection must be Hello", "08P01");
            }
            if (request.getKindCase() == Request.KindCase.EXECUTE) {
                if (Announcement.is(request.getExecute())) {
                    return Registration.carryOut(node, request);
                }
                if (RangeIdRequest.is(request.getExecute())) {
                    return RangeIdRequest.carryOut(node, request);
                }
                Optional<SplitAt> split = SplitAt.parse(request.getExecute().getSql());
                if (split.isPresent()) {
                    if (inTransaction()) {
                        throw new SQLException("SPLIT AT runs outside a transaction", "25001");
                    }
                    return splits.run(request, split.get(), current.statements(), splitLanes);
                }
                Optional<ShowRanges> show = ShowRanges.parse(request.getExecute().getSql());
                if (show.isPresent()) {
                    return execute(showRanges(request, show.get()));
                }
                return transaction.afterStatement(execute(request));
            }
            if (request.getKindCase() == Request.KindCase.TRANSACTION_STEP) {
                return transactionStep(request.getRange(), request.getTransactionStep(), request);
            }
            if (request.getKindCase() == Request.KindCase.COMMIT || request.getKindCase() == Request.KindCase.ROLLBACK) {
                return transaction.end(request);
            }
            RangeLane lane = current;
            lane.statements().budget(FailoverBudget.of(request, waits));
            if (lane.forwarder().active() && forwards(request)) {
                return forwarded(lane, request);
            }
            RangeStatements data = lane.statements();
            switch (request.getKindCase()) {
                case HELLO -> out.setHello(hello(request.getHello()));
                case FETCH -> out.setRows(data.fetch(request.getFetch().getCursor(), request.getFetch().getFetchSize()));
                case CLOSE_CURSOR -> {
                    data.closeCursor(request.getCloseCursor().getCursor());
                    out.setAck(Ack.getDefaultInstance());
                }
                case PREPARE -> out.setPrepared(data.describe(request.getPrepare().getSql()));
                case PING, KEEP_ALIVE -> out.setAck(Ack.getDefaultInstance());
                case METADATA -> out.setMetadata(StatusReport.of(node));
                case READ_INDEX -> out.setReadIndex(ReadIndexAnswer.of(node, request.getReadIndex()));
                case ADMIN -> {
                    Optional<Response> forwarded = Administration.carryOut(node, request,
                            lane(request.getAdmin().getRange()).forwarder());
                    if (forwarded.isPresent()) {
                        return forwarded.get();
                    }
                    out.setAck(Ack.getDefaultInstance());
                }
                default -> throw new SQLException("request " + request.getKindCase() + " is not supported here", "0A000");
            }
        } catch (SQLException e) {
            return failed(request, e);
        } catch (RuntimeException e) {
            return failed(request, e);
        }
        return out.build();
    }

    /** Ends the session's transaction in one lane: here, or at the range's leader. */
    private Response endIn(RangeLane lane, Request request) {
        RangeStatements data = lane.statements();
        data.budget(FailoverBudget.of(request, waits));
        if (lane.forwarder().active()) {
            return forwarded(lane, request);
        }
        Response.Builder out = Response.newBuilder().setId(request.getId());
        try {
            if (request.hasCommit()) {
                out.setCommit(CommitResult.newBuilder().setLsn(data.commit(request.getCommit().getSequence())));
            } else {
                data.rollback(request.getRollback().getSavepoint());
                out.setAck(Ack.getDefaultInstance());
            }
        } catch (SQLException e) {
            return failed(request, e);
        } catch (RuntimeException e) {
            return failed(request, e);
        }
        return out.build();
    }

    /**
     * A step of a transaction across ranges in {@code range} ({@link CrossRangeCommit}): where the
     * session's part lives (at the leader, through the lane's forwarder), or here if this node leads
     * the range; a decision or resolve goes to the leader otherwise.
     */
    private Response transactionStep(long range, TransactionStep step, Request on) {
        RangeLane lane = lane(range);
        Request request = Request.newBuilder().setId(on.getId()).setFailoverBudgetMillis(on.getFailoverBudgetMillis())
                .setRange(range).setTransactionStep(step).build();
        RangeStatements data = lane.statements();
        data.budget(FailoverBudget.of(request, waits));
        if (lane.forwarder().active()
                || (step.getKind() != TransactionStep.Kind.PREPARE && !data.replica().serving())) {
            return forwarded(lane, request);
        }
        try {
            return Response.newBuilder().setId(on.getId())
                    .setCommit(CommitResult.newBuilder().setLsn(data.transactionStep(step))).build();
        } catch (SQLException e) {
            return failed(request, e);
        } catch (RuntimeException e) {
            return failed(request, e);
        }
    }

    private Response failed(Request request, SQLException e) {
        if (e.getSQLState() != null && e.getSQLState().startsWith("XX")) {
            // Internal errors (XX000) and a replica's data that does not match its log (XX001):
            // a bug or a broken replica, never the client's doing, so logged here, once, with its stack.
            LOG.log(System.Logger.Level.ERROR, "internal error in a " + request.getKindCase() + " request", e);
        }
        return Response.newBuilder().setId(request.getId()).setError(error(e)).build();
    }

    private Response failed(Request request, RuntimeException e) {
        // A bug, not a client's mistake: logged here, once, with its stack; the client gets XX000.
        LOG.log(System.Logger.Level.ERROR, "internal error in a " + request.getKindCase() + " request", e);
        return Response.newBuilder().setId(request.getId()).setError(Error.newBuilder().setSqlState("XX000")
                .setMessage("internal error: " + e)).build();
    }

    /**
     * A statement, in the range that holds its keys. A range that answers that it does not own
     * them (a split moved them since this node looked, or an insert's rows turned out to be
     * elsewhere) names a key it does not own; a statement outside a transaction, of which nothing
     * ran, goes once more to the range that owns that key.
     */
    private Response execute(Request request) {
        Optional<Key> hint = Optional.empty();
        for (int attempt = 0; ; attempt++) {
            Response answer;
            RangeLane lane;
            try {
                RangePlanner.Destination destination = planner.destination(request, current.statements(), hint);
                if (destination instanceof RangePlanner.EveryRange) {
                    return schemaChange(request);
                }
                if (destination instanceof RangePlanner.WritesAcross writes) {
                    answer = transaction.writeAcross(request, writes, settings.readCommitted());
                    if (answer.hasError() && SqlStates.RANGE_MISMATCH.equals(answer.getError().getSqlState())
                            && attempt == 0) {
                        continue;
                    }
                    return answer;
                }
                if (destination instanceof RangePlanner.AcrossRanges across) {
                    answer = spanningRead(request, across);
                    if (answer.hasError() && SqlStates.RANGE_MISMATCH.equals(answer.getError().getSqlState())
                            && attempt == 0) {
                        continue;
                    }
                    return answer;
                }
                lane = laneFor(destination);
            } catch (SQLException e) {
                return failed(request, e);
            } catch (RuntimeException e) {
                return failed(request, e);
            }
            answer = executeIn(lane, request);
            if (!answer.hasError() && answer.getExecute().hasUpdate() && !request.getExecute().getAutoCommit()) {
                transaction.wrote(lane.range());
            }
            if (!answer.hasError() || !SqlStates.RANGE_MISMATCH.equals(answer.getError().getSqlState())) {
                return answer;
            }
            Optional<Key> mismatch = mismatchedKey(answer);
            // Nothing of it ran, or what ran was undone with its transaction: outside a transaction
            // (an auto-commit statement, or one that was to begin a transaction) it may go again.
            boolean again = request.getRange() == 0 && !inTransaction() && attempt == 0;
            if (!again) {
                // Without a key the range only said it split since the statement was planned; with
                // the very key it was sent there for, this node's replicas have not applied a split
                // its leader has: either way the client may send it again in a moment (08F04 is a
                // failover state to the driver). Another key means the statement spans ranges.
                boolean spans = mismatch.isPresent() && !mismatch.equals(hint);
                return request.getRange() == 0 && spans ? acrossRanges(request, answer, lane) : answer;
            }
            hint = mismatch;
        }
    }

    /**
     * Splits the range that holds {@code key} there, if this node leads it (splits by load, {@link
     * AutomaticSplits}, which know a key and no values; a range led elsewhere is that node's to split).
     */
    Response splitAt(Request request, Key key) {
        try {
            Optional<Long> range = ranges.now().owner(key);
            if (range.isEmpty() || !node.replica(range.get()).serving()) {
                throw new SQLException("no range this node leads holds key " + key, SqlStates.NOT_LEADER);
            }
            return splits.splitHere(request, range.get(), key, splitLanes);
        } catch (SQLException e) {
            return failed(request, e);
        } catch (RuntimeException e) {
            return failed(request, e);
        }
    }

    /**
     * Brings every data range up to the first data range's schema log ({@link SchemaCatchUp}: a
     * node that fanned a change out stopped half-way). Answers whether any range was behind.
     */
    boolean catchUpSchemas(Request request) throws SQLException {
        return schemaFanOut.bringUpAll(request, rangeRequests);
    }

    /** {@code SHOW RANGES FROM TABLE t}, as the query of {@code FLOTILLA.RANGES} it stands for. */
    private Request showRanges(Request request, ShowRanges show) throws SQLException {
        KeySpan span = current.statements().tableSpan(show.table());
        HexFormat hex = HexFormat.of();
        // VARBINARY compares unsigned in H2, as keys do.
        String sql = "SELECT RANGE_ID, START_KEY, END_KEY, GENERATION, LEADER_ID, VOTERS, LEARNERS, ROWS, QPS, APPLIED_INDEX "
                + "FROM FLOTILLA.RANGES WHERE NAME = 'data' AND START_KEY < X'" + hex.formatHex(span.end().toByteArray())
                + "' AND (END_KEY IS NULL OR END_KEY > X'" + hex.formatHex(span.start().toByteArray()) + "') ORDER BY START_KEY";
        return request.toBuilder().setExecute(request.getExecute().toBuilder().setSql(sql).clearParameters()).build();
    }

    /**
     * A range refused a statement this node routed, and going again would not help: the statement
     * touches keys of more than one range, or its transaction would. Said as what it is.
     */
    private Response acrossRanges(Request request, Response mismatch, RangeLane lane) {
        String why = mismatch.getError().getMessage();
        Error.Builder e = Error.newBuilder();
        if (request.getExecute().getAutoCommit() || lane.inTransaction()) {
            // Nothing ran (or the statement alone was undone): the transaction, if any, goes on.
            e.setSqlState(SqlStates.NOT_SUPPORTED).setMessage("the statement writes keys of more than one range that "
                    + "could not be told before it ran (an insert of rows whose keys it makes, or one that moves them), "
                    + "which a change across ranges does not do yet; nothing of it was applied (" + why + ")");
        } else {
            e.setSqlState(SqlStates.ROLLED_BACK).setMessage("the transaction was rolled back: a statement in it "
                    + "wrote keys of more than one range that could not be told before it ran, which a change across "
                    + "ranges does not do yet (" + why + ")");
        }
        return Response.newBuilder().setId(request.getId()).setError(e).build();
    }

    /** The key a range said it does not own; empty where it said only that it split since (plan again). */
    private static Optional<Key> mismatchedKey(Response answer) {
        return answer.getError().getKey().isEmpty() ? Optional.empty()
                : Optional.of(Key.of(answer.getError().getKey().toByteArray()));
    }

    /** The lane of the range the statement goes to ({@link RangePlanner}), which a transaction never leaves. */
    private RangeLane laneFor(RangePlanner.Destination destination) throws SQLException {
        if (!(destination instanceof RangePlanner.InRange in)) {
            return current;
        }
        if (in.range() != current.range() && inTransaction() && !settings.readCommitted()) {
            // Each range's part would read its own snapshot, taken when the transaction first
            // reached it: not one snapshot, as REPEATABLE READ and SERIALIZABLE promise.
            throw new SQLException("the statement's keys are in range " + in.range() + " and its transaction's in range "
                    + current.range() + ": a transaction across ranges runs at READ COMMITTED only, for now; "
                    + "the transaction goes on", SqlStates.NOT_SUPPORTED);
        }
        return current = lane(in.range());
    }

    /**
     * A query whose keys lie in several ranges ({@link SpanningRead}), outside a transaction: each
     * range's part read as an auto-commit query of its own, so a transaction that would hold a
     * snapshot of them all is not served yet.
     */
    private Response spanningRead(Request request, RangePlanner.AcrossRanges across) throws SQLException {
        if (inTransaction() || (!request.getExecute().getAutoCommit() && !settings.readCommitted())) {
            throw new SQLException("the query reads keys of more than one range, and a query across ranges runs "
                    + "outside a transaction or at READ COMMITTED only, until transactions across ranges exist; "
                    + "the transaction goes on", SqlStates.NOT_SUPPORTED);
        }
        return spanning.run(request, across, current.statements(), settings, rangeRequests);
    }

    /**
     * A schema change once the tables are split, in every range ({@link SchemaFanOut}); outside a
     * transaction, as H2 would commit one first, which here may have written another range.
     */
    private Response schemaChange(Request request) throws SQLException {
        if (inTransaction()) {
            throw new SQLException("the tables are split into ranges: run schema changes outside a transaction "
                    + "(commit or roll back first); the transaction goes on", SqlStates.NOT_SUPPORTED);
        }
        return schemaFanOut.run(request, rangeRequests);
    }


    /** A statement in one range's lane: here, or at the range's leader. */
    private Response executeIn(RangeLane lane, Request request) {
        RangeStatements data = lane.statements();
        data.budget(FailoverBudget.of(request, waits));
        Response.Builder out = Response.newBuilder().setId(request.getId());
        try {
            if (lane.forwarder().active()) {
                return forwarded(lane, request);
            }
            // Where it runs is decided once: leadership lost after this shows as a not-leader
            // error from the range, never as a statement sent down another path.
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
                return forwarded(lane, request);
            }
            out.setExecute(data.execute(request.getExecute(), route == RangeRouting.Route.FOLLOWER));
        } catch (SQLException e) {
            return failed(request, e);
        } catch (RuntimeException e) {
            return failed(request, e);
        }
        return out.build();
    }

    /**
     * Sends a request to the lane's range's leader, naming the range; a setting the leader took is
     * kept for whatever serves this session later.
     */
    private Response forwarded(RangeLane lane, Request request) {
        Response answer = lane.forwarder().call(request.hasExecute() ? request.toBuilder().setRange(lane.range()).build()
                : request);
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
        sessionStartedMillis = hello.getSessionStartedMillis();
        readOnly = hello.getReadOnly();
        for (RangeLane lane : lanes.values()) {
            lane.identify(sessionId, sessionStartedMillis, readOnly);
        }
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
        if (e instanceof RangeMismatchException mismatch) {
            b.setKey(ByteString.copyFrom(mismatch.key().toByteArray()));
        }
        return b.build();
    }

    /** Ends the session: an open transaction rolls back, the links to leaders close. */
    @Override
    public void close() {
        for (RangeLane lane : lanes.values()) {
            try {
                lane.close();
            } catch (SQLException e) {
                LOG.log(System.Logger.Level.WARNING, "closing a client session failed", e);
            }
        }
    }
}
