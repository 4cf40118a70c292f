package io.flotilla.sql.server;

import io.flotilla.protocol.Admin;
import io.flotilla.protocol.Request;
import io.flotilla.protocol.Response;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Proposal;
import io.flotilla.raft.core.Role;
import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.range.SqlStates;

import java.sql.SQLException;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Operations of cluster-scripts: carried out by the range's leader, forwarded there from any node. */
final class Administration {

    private Administration() {
    }

    /**
     * Carries out the request here if this node leads its range (empty: done), or forwards it to
     * the leader and returns the leader's answer.
     */
    static Optional<Response> carryOut(Node node, Request request, Forwarder forwarder) throws SQLException {
        Admin admin = request.getAdmin();
        long range = admin.getRange();
        node.replica(range);
        boolean leads = ask(node, range, r -> r.role() == Role.LEADER);
        if (!leads) {
            return Optional.of(forwarder.call(request));
        }
        switch (admin.getOperationCase()) {
            case TRANSFER_LEADERSHIP_TO -> {
                Optional<Proposal.Refused> refused = ask(node, range,
                        r -> r.transferLeadership(admin.getTransferLeadershipTo()));
                if (refused.isPresent()) {
                    throw new SQLException("range " + range + " refused the transfer: " + refused.get().reason(),
                            SqlStates.UNAVAILABLE);
                }
            }
            case ADD_LEARNER -> change(node, range, m -> {
                TreeSet<Long> learners = new TreeSet<>(m.learners());
                learners.add(admin.getAddLearner());
                return Membership.of(m.voters(), learners);
            });
            case PROMOTE -> change(node, range, m -> {
                TreeSet<Long> voters = new TreeSet<>(m.voters());
                TreeSet<Long> learners = new TreeSet<>(m.learners());
                if (!learners.remove(admin.getPromote())) {
                    throw new IllegalArgumentException("node " + admin.getPromote() + " is not a learner of range " + range);
                }
                voters.add(admin.getPromote());
                return Membership.of(voters, learners);
            });
            default -> throw new SQLException("unknown admin operation", SqlStates.NOT_SUPPORTED);
        }
        return Optional.empty();
    }

    private static void change(Node node, long range, java.util.function.UnaryOperator<Membership> change)
            throws SQLException {
        Proposal p = ask(node, range, r -> r.changeMembership(change.apply(r.membership())));
        if (p instanceof Proposal.Refused refused) {
            throw new SQLException("range " + range + " refused the membership change: " + refused.reason(),
                    SqlStates.UNAVAILABLE);
        }
    }

    private static <T> T ask(Node node, long range, java.util.function.Function<io.flotilla.raft.core.Raft, T> f)
            throws SQLException {
        try {
            return node.host().inspect(range, f).get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new SQLException("range " + range + ": " + e.getCause().getMessage(), SqlStates.UNAVAILABLE, e.getCause());
        } catch (TimeoutException e) {
            throw new SQLException("range " + range + " did not answer", SqlStates.UNAVAILABLE, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", SqlStates.UNAVAILABLE, e);
        }
    }
}
