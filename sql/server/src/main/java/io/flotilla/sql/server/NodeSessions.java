package io.flotilla.sql.server;

import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.range.RangeReplica;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Opens the client sessions of one node, and owns what they share: what the node knows of how
 * fresh its replica of the data range is (the staleness bound of follower reads, and the probe that
 * asks the leader), the databases that queries across ranges run in, and the splits of the
 * ranges it leads by size and load ({@link AutomaticSplits}, a client of the node's own, and what
 * the node's sessions ran as leaders, {@link RangeLoad}). The client server opens a session per connection; the whole-stack simulator
 * opens them itself and calls them as a connection would.
 */
public final class NodeSessions implements AutoCloseable {

    private final Node node;
    private final ReadIndexProbe readIndexProbe;
    private final StalenessBound stalenessBound;
    private final GatewayDatabases queryDatabases = new GatewayDatabases();
    private final RangeLoad load;
    private final Optional<AutomaticSplits> automaticSplits;
    private final SchemaCatchUp schemaCatchUp;

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
        this.automaticSplits = node.config().rangeMaxRows() > 0 || node.config().rangeMaxQps() > 0
                ? Optional.of(new AutomaticSplits(node, this, load)) : Optional.empty();
        automaticSplits.ifPresent(s -> node.environment().spawn().start("node-" + node.id() + "-automatic-splits", s));
        this.schemaCatchUp = new SchemaCatchUp(node, this);
        node.environment().spawn().start("node-" + node.id() + "-schema-catch-up", schemaCatchUp);
    }

    /** A new connection's session: its settings are shared with its forwarder, which gives them to new leader links. */
    public ClientSession open() {
        SessionSettings settings = new SessionSettings();
        return new ClientSession(node, Node.DATA_RANGE, settings, stalenessBound, new SpanningRead(queryDatabases), load);
    }

    @Override
    public void close() {
        SystemViews.uncount(node);
        automaticSplits.ifPresent(AutomaticSplits::close);
        schemaCatchUp.close();
        queryDatabases.close();
        readIndexProbe.close();
    }
}
