package io.flotilla.sql.server;

import io.flotilla.protocol.Request;
import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.SchemaLog;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

/**
 * Ranges that a schema change's fan-out left behind ({@link SchemaFanOut}: the node that took it
 * stopped half-way) are brought up to date without waiting for the next change: once a second, the
 * node that leads the first data range compares its schema log with its replicas of the other
 * ranges (every node holds every range), and where one has been behind at two looks in a row (not
 * merely a moment late in applying), it fans the first range's log out again, through a session
 * of its own as a client would.
 */
final class SchemaCatchUp implements NodeUpkeep.Chore {

    private static final System.Logger LOG = System.getLogger(SchemaCatchUp.class.getName());

    private final Node node;
    private final NodeSessions sessions;
    /** Whether a range was behind at the last look. */
    private boolean behindBefore;

    SchemaCatchUp(Node node, NodeSessions sessions) {
        this.node = node;
        this.sessions = sessions;
    }

    @Override
    public void look() throws SQLException {
        boolean behind = anyBehind();
        if (behind && behindBefore) {
            catchUp();
        }
        behindBefore = behind;
    }

    /** Whether this node leads the first data range and one of its replicas of another range is behind its log. */
    private boolean anyBehind() throws SQLException {
        Optional<RangeReplica> first = node.replicas().entrySet().stream()
                .filter(e -> e.getKey() != Node.META_RANGE)
                .map(Map.Entry::getValue)
                .filter(r -> r.bounds().map(b -> b.span().beginsWithTables()).orElse(false))
                .findFirst();
        if (first.isEmpty() || !first.get().serving() || !first.get().split()) {
            return false;
        }
        long target = last(first.get());
        for (Map.Entry<Long, RangeReplica> e : node.replicas().entrySet()) {
            if (e.getKey() != Node.META_RANGE && e.getValue() != first.get() && e.getValue().bounds().isPresent()
                    && last(e.getValue()) < target) {
                return true;
            }
        }
        return false;
    }

    private static long last(RangeReplica replica) throws SQLException {
        try (Connection c = replica.store().connect()) {
            return SchemaLog.last(c);
        }
    }

    private void catchUp() throws SQLException {
        try (ClientSession session = sessions.own("schema-catch-up")) {
            if (session.catchUpSchemas(Request.newBuilder().setId(2).build())) {
                LOG.log(System.Logger.Level.INFO, "ranges were behind the first data range's schema log "
                        + "(a schema change's fan-out stopped half-way): brought up to date");
            }
        }
    }
}
