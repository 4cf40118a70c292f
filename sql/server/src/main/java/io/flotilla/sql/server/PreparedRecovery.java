package io.flotilla.sql.server;

import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.protocol.TransactionStep;
import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.range.PreparedParts;
import io.flotilla.statemachine.range.RangeReplica;
import io.flotilla.statemachine.range.SqlStates;

import java.sql.SQLException;
import java.util.Map;

/**
 * Parts of transactions across ranges whose coordinator went quiet (docs/ranges.md, "Recovery"):
 * a part prepared in a range this node leads, and not resolved for longer than the transaction
 * liveness (five election timeouts, from the proposing leader's clock to this node's), is settled
 * from its record; after twice that, by any node that holds replicas of the part's range and of
 * the record range (its leader may hold none of the record range). Each node looks at its own
 * replica of the part's range; a follower's may lag, and settle a part its leader resolved
 * already, which changes nothing: a decided record keeps its decision, and a resolve of a part
 * the range no longer holds applies nothing. The node asks the record range to give up on the transaction ({@code DECIDE}
 * abort): a record that says committed stays so, and the part commits; a pending or missing one
 * becomes aborted (both are entries of the record range's log, so exactly one of the coordinator's
 * commit and this abort wins), and the part is dropped. Then the part's own range resolves it.
 *
 * <p>A coordinator that is merely slow loses nothing by this but its transaction: its decision
 * then finds the record aborted, and its client hears 40001.
 */
final class PreparedRecovery implements NodeUpkeep.Chore {

    private static final System.Logger LOG = System.getLogger(PreparedRecovery.class.getName());

    private final Node node;
    private final NodeSessions sessions;
    private final long livenessMillis;

    PreparedRecovery(Node node, NodeSessions sessions) {
        this.node = node;
        this.sessions = sessions;
        this.livenessMillis = 5 * node.config().electionTimeout().toMillis();
    }

    @Override
    public void look() throws SQLException {
        long now = node.environment().wallClockMillis().getAsLong();
        for (Map.Entry<Long, RangeReplica> e : node.replicas().entrySet()) {
            RangeReplica replica = e.getValue();
            if (e.getKey() == Node.META_RANGE) {
                continue;
            }
            for (PreparedParts.Part part : replica.preparedParts()) {
                long age = now - part.preparedAtMillis();
                // The range's leader first; any node that holds both ranges after twice the time,
                // for a leader that holds no replica of the record range (it cannot reach it: a
                // node added to one range only). Both steps are decided by the ranges' logs, so
                // two nodes settling one part at once settle it alike.
                if (node.replicas().containsKey(part.recordRange())
                        && (age >= livenessMillis && replica.serving() || age >= 2 * livenessMillis)) {
                    settle(e.getKey(), part);
                }
            }
        }
    }

    private void settle(long range, PreparedParts.Part part) throws SQLException {
        try (ClientSession session = sessions.own("prepared-recovery")) {
            Response decided = session.handle(step(part.recordRange(), TransactionStep.newBuilder()
                    .setKind(TransactionStep.Kind.DECIDE).setTxn(part.txn()).setCommit(false).build()));
            boolean committed = !decided.hasError();
            if (decided.hasError() && !SqlStates.ROLLED_BACK.equals(decided.getError().getSqlState())) {
                LOG.log(System.Logger.Level.DEBUG, "range " + range + ": the record range " + part.recordRange()
                        + " of prepared transaction " + CrossRangeCommit.hex(part.txn()) + " did not answer ("
                        + decided.getError().getMessage() + "); asking again at the next round");
                return;
            }
            Response resolved = range == part.recordRange() ? decided
                    : session.handle(step(range, TransactionStep.newBuilder().setKind(TransactionStep.Kind.RESOLVE)
                            .setTxn(part.txn()).setCommit(committed).build()));
            boolean done = !resolved.hasError() || resolved == decided;
            LOG.log(System.Logger.Level.INFO, "range " + range + ": transaction " + CrossRangeCommit.hex(part.txn())
                    + " was prepared here " + (node.environment().wallClockMillis().getAsLong() - part.preparedAtMillis())
                    + " ms ago and its coordinator went quiet; its record in range " + part.recordRange() + " says "
                    + (committed ? "committed" : "aborted") + (done ? ": resolved"
                    : ", and the resolve failed (" + resolved.getError().getMessage() + "); again at the next round"));
        }
    }

    private static Request step(long range, TransactionStep step) {
        return Request.newBuilder().setId(2).setRange(range).setTransactionStep(step).build();
    }
}
