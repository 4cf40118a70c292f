package io.flotilla.sql.server;

import com.google.protobuf.ByteString;
import io.flotilla.protocol.NodeStatus;
import io.flotilla.protocol.RangeSummary;
import io.flotilla.protocol.ReplicaStatus;
import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.ReplicaProgress;
import io.flotilla.raft.core.Role;
import io.flotilla.sql.node.Node;
import io.flotilla.statemachine.range.RangeBounds;
import io.flotilla.statemachine.range.RangeReplica;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What this node knows of its replicas: role, term, commit and applied index, and, as leader, each
 * member's match index and lag (entries and bytes) and how long its lease has left; and each data
 * range's span, generation and rows as its replica here has them.
 */
final class StatusReport {

    private StatusReport() {
    }

    static NodeStatus of(Node node) {
        NodeStatus.Builder out = NodeStatus.newBuilder().setNodeId(node.id());
        for (var e : node.replicas().entrySet()) {
            long range = e.getKey();
            long applied = e.getValue().applied();
            summary(range, e.getValue()).ifPresent(out::addRanges);
            var failure = node.host().failure(range);
            if (failure.isPresent()) {
                out.addReplicas(ReplicaStatus.newBuilder().setRange(range).setNodeId(node.id())
                        .setRole(SystemViews.FAILED).setAppliedIndex(applied).setFailure(failure.get().reason()));
                continue;
            }
            try {
                out.addAllReplicas(node.host().inspect(range, raft -> replicas(node.id(), range, raft, applied))
                        .get(5, TimeUnit.SECONDS));
            } catch (ExecutionException | TimeoutException ex) {
                out.addReplicas(ReplicaStatus.newBuilder().setRange(range).setNodeId(node.id()).setRole("UNAVAILABLE")
                        .setAppliedIndex(applied));
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return out.build();
    }

    /** A data range's span, generation and rows, as this node's replica has them. */
    private static Optional<RangeSummary> summary(long range, RangeReplica replica) {
        Optional<RangeBounds> bounds = replica.bounds();
        if (range == Node.META_RANGE || bounds.isEmpty()) {
            return Optional.empty();
        }
        RangeSummary.Builder b = RangeSummary.newBuilder().setRange(range)
                .setStartKey(ByteString.copyFrom(bounds.get().span().start().toByteArray()))
                .setGeneration(bounds.get().generation()).setRows(-1);
        if (bounds.get().span().end() != null) {
            b.setEndKey(ByteString.copyFrom(bounds.get().span().end().toByteArray()));
        }
        try (Connection c = replica.store().connect()) {
            b.setRows(RangeRows.total(c));
        } catch (SQLException e) {
            // A replica opening or closing as the node reports: its rows are not known this moment (-1).
        }
        return Optional.of(b.build());
    }

    private static List<ReplicaStatus> replicas(long self, long range, Raft raft, long applied) {
        String role = raft.role() == Role.FOLLOWER && raft.membership().learners().contains(self) ? "LEARNER" : raft.role().name();
        ReplicaStatus.Builder mine = ReplicaStatus.newBuilder().setRange(range).setNodeId(self).setRole(role)
                .setTerm(raft.term()).setCommitIndex(raft.committed()).setAppliedIndex(applied)
                .setLeader(raft.leader()).setLease(raft.holdsLease()).setMatchIndex(raft.lastIndex())
                .setLeaseRemainingMillis(raft.leaseRemaining().isPresent()
                        ? TimeUnit.NANOSECONDS.toMillis(raft.leaseRemaining().getAsLong()) : -1);
        List<ReplicaStatus> out = new ArrayList<>();
        out.add(mine.build());
        for (Map.Entry<Long, ReplicaProgress> p : raft.progress().entrySet()) {
            if (p.getKey() != self) {
                out.add(ReplicaStatus.newBuilder().setRange(range).setNodeId(p.getKey())
                        .setRole(raft.membership().learners().contains(p.getKey()) ? "LEARNER" : "FOLLOWER")
                        .setTerm(raft.term()).setLeader(self).setMatchIndex(p.getValue().match())
                        .setLagEntries(Math.max(0, raft.lastIndex() - p.getValue().match()))
                        .setLagBytes(raft.payloadBytesAfter(p.getValue().match())).build());
            }
        }
        return out;
    }
}
