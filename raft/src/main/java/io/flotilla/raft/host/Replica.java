package io.flotilla.raft.host;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.Message;
import io.flotilla.raft.core.Proposal;
import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.ReadState;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.Refusal;
import io.flotilla.raft.core.SnapshotTransfer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One group's replica on this node, with the host-side state around its core: the Ready being
 * persisted, proposals waiting to apply, reads waiting to be confirmed and applied. Touched only by
 * the worker thread that owns the group.
 */
final class Replica {

    private record PendingProposal(long term, CompletableFuture<Committed> result) {
    }

    private record PendingRead(Supplier<?> query, CompletableFuture<Object> result) {
    }

    final long group;
    final Raft raft;
    private final GroupLog log;
    private final StateMachine stateMachine;
    private final Outbox outbox;

    private boolean persisting;
    private boolean stopped;
    private long applied;
    private long readIds;
    private final TreeMap<Long, PendingProposal> proposals = new TreeMap<>();
    private final Map<Long, PendingRead> reads = new HashMap<>();
    private final List<ReadState> confirmed = new ArrayList<>();
    /** The local time the worker's timer for this replica is armed for. */
    long timerAt = Long.MIN_VALUE;

    Replica(long group, Raft raft, GroupLog log, StateMachine stateMachine, Outbox outbox, long applied) {
        this.group = group;
        this.raft = raft;
        this.log = log;
        this.stateMachine = stateMachine;
        this.outbox = outbox;
        this.applied = applied;
    }

    boolean stopped() {
        return stopped;
    }

    void deliver(Message m) {
        if (!stopped) {
            raft.step(m);
        }
    }

    void propose(byte[] command, CompletableFuture<Committed> result) {
        if (stopped) {
            result.completeExceptionally(stoppedError("the group has stopped"));
            return;
        }
        Proposal p = raft.propose(command);
        if (p instanceof Proposal.Appended a) {
            proposals.put(a.index(), new PendingProposal(a.term(), result));
        } else if (p instanceof Proposal.Refused r) {
            result.completeExceptionally(refused(r.reason(), r.leaderHint()));
        }
    }

    @SuppressWarnings("unchecked")
    <T> void read(Supplier<T> query, CompletableFuture<T> result) {
        if (stopped) {
            result.completeExceptionally(stoppedError("the group has stopped"));
            return;
        }
        long id = ++readIds;
        var refused = raft.read(id);
        if (refused.isPresent()) {
            result.completeExceptionally(refused(refused.get().reason(), refused.get().leaderHint()));
        } else {
            reads.put(id, new PendingRead(query, (CompletableFuture<Object>) result));
        }
    }

    /**
     * Hands the next Ready to the log if none is being persisted. The log's completion comes back
     * as a {@link Task.Persisted} through {@code completions}.
     */
    void flush(Consumer<Task> completions) {
        if (stopped || persisting || !raft.hasReady()) {
            return;
        }
        Ready ready = raft.ready();
        persisting = true;
        log.persist(ready).whenComplete((ok, failure) -> completions.accept(new Task.Persisted(group, ready, failure)));
    }

    /** The Ready is durable: send, apply, answer, and let the core go on. */
    void persisted(Ready ready, Throwable failure) {
        persisting = false;
        if (failure != null) {
            stop(stoppedError("its log failed: " + failure));
            return;
        }
        for (Message m : ready.messages()) {
            outbox.send(group, m);
        }
        for (SnapshotTransfer t : ready.snapshotTransfers()) {
            // Streaming snapshots between hosts is not built yet: report the transfer failed, so the
            // leader probes again rather than waiting on a transfer that will never come.
            raft.reportSnapshot(t.to(), false);
        }
        for (Entry e : ready.committed()) {
            apply(e);
        }
        confirmed.addAll(ready.reads());
        serveReads();
        for (long id : ready.abandonedReads()) {
            PendingRead r = reads.remove(id);
            if (r != null) {
                r.result().completeExceptionally(refused(Refusal.NOT_LEADER, raft.leader()));
            }
        }
        raft.advance(ready);
    }

    private void apply(Entry e) {
        Object result = stateMachine.apply(e);
        applied = e.index();
        PendingProposal p = proposals.remove(e.index());
        if (p != null) {
            if (p.term() == e.term()) {
                p.result().complete(new Committed(group, e.term(), e.index(), result));
            } else {
                p.result().completeExceptionally(new GroupUnavailableException(group,
                        GroupUnavailableException.Reason.OVERWRITTEN, null, raft.leader(),
                        "entry " + e.index() + " went to another leader's proposal; this one was not applied"));
            }
        }
    }

    private void serveReads() {
        for (Iterator<ReadState> it = confirmed.iterator(); it.hasNext(); ) {
            ReadState rs = it.next();
            if (rs.index() > applied) {
                continue;
            }
            it.remove();
            PendingRead r = reads.remove(rs.requestId());
            if (r != null) {
                try {
                    r.result().complete(r.query().get());
                } catch (RuntimeException e) {
                    r.result().completeExceptionally(e);
                }
            }
        }
    }

    /** Fails everything pending: the group was removed, the node closed, or the log failed. */
    void stop(GroupUnavailableException cause) {
        stopped = true;
        proposals.values().forEach(p -> p.result().completeExceptionally(cause));
        proposals.clear();
        reads.values().forEach(r -> r.result().completeExceptionally(cause));
        reads.clear();
        confirmed.clear();
    }

    private GroupUnavailableException refused(Refusal reason, long leaderHint) {
        return new GroupUnavailableException(group, GroupUnavailableException.Reason.REFUSED, reason, leaderHint,
                "refused: " + reason);
    }

    GroupUnavailableException stoppedError(String why) {
        return new GroupUnavailableException(group, GroupUnavailableException.Reason.STOPPED, null, 0, why);
    }
}
