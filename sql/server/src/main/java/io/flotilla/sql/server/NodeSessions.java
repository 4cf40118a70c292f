package io.flotilla.sql.server;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.Hello;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.range.RangeReplica;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Opens the client sessions of one node, and owns what they share: what the node knows of how
 * fresh its replica of the data range is (the staleness bound of follower reads, and the probe that
 * asks the leader), the databases that queries across ranges run in, what the node's sessions ran
 * as leaders ({@link RangeLoad}), and the node's upkeep of its ranges ({@link NodeUpkeep}, through
 * sessions of the node's own). The client server opens a session per connection; the whole-stack simulator
 * opens them itself and calls them as a connection would.
 */
public final class NodeSessions implements AutoCloseable {

    private final Node node;
    private final ReadIndexProbe readIndexProbe;
    private final StalenessBound stalenessBound;
    private final GatewayDatabases queryDatabases = new GatewayDatabases();
    private final RangeLoad load;
    private final NodeUpkeep upkeep;

    public NodeSessions(Node node) {
        this.node = node;
        RangeReplica data = node.replica(Node.DATA_RANGE);
        this.readIndexProbe = new ReadIndexProbe(node, Node.DATA_RANGE);
        // A replica that has not applied what the leader had within an election timeout is likely
        // cut off from its group: the leader answers sooner than waiting longer would.
        this.stalenessBound = new StalenessBound(node.stalenessClock(), readIndexProbe, data::awaitApplied,
                node.config().electionTimeout().toNanos(),
                TimeUnit.MILLISECONDS.toNanos(ReadIndexProbe.ANSWER_TIMEOUT_MILLIS + 2_000L));
        this.load = new RangeLoad(node.config().rangeMaxQps() > 0);
        SystemViews.count(node, load);
        List<NodeUpkeep.Chore> chores = new ArrayList<>();
        if (node.config().rangeMaxRows() > 0 || node.config().rangeMaxQps() > 0) {
            chores.add(new AutomaticSplits(node, this, load));
        }
        chores.add(new SchemaCatchUp(node, this));
        chores.add(new PreparedRecovery(node, this));
        this.upkeep = new NodeUpkeep(chores, node.environment().waits());
        node.environment().spawn().start("node-" + node.id() + "-upkeep", upkeep);
    }

    /**
     * A session of the node's own, for its upkeep, introduced under the session id {@code
     * purpose}-{@code node id}; the caller closes it.
     */
    ClientSession own(String purpose) throws SQLException {
        ClientSession session = open();
        Response hello = session.handle(Request.newBuilder().setId(1).setHello(Hello.newBuilder()
                .setSessionId(ByteString.copyFromUtf8(purpose + "-" + node.id()))).build());
        if (hello.hasError()) {
            session.close();
            throw new SQLException(hello.getError().getMessage(), hello.getError().getSqlState());
        }
        return session;
    }

    /** A new connection's session: its settings are shared with its forwarder, which gives them to new leader links. */
    public ClientSession open() {
        SessionSettings settings = new SessionSettings();
        return new ClientSession(node, Node.DATA_RANGE, settings, stalenessBound, new SpanningRead(queryDatabases, node.environment().waits(), node.environment().random()), load);
    }

    @Override
    public void close() {
        SystemViews.uncount(node);
        upkeep.close();
        queryDatabases.close();
        readIndexProbe.close();
    }
}
