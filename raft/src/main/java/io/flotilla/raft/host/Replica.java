package io.flotilla.raft.host;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.HardState;
import io.flotilla.raft.core.Message;
import io.flotilla.raft.core.Proposal;
import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.ReadState;
import io.flotilla.raft.core.Ready;
import io.flotilla.raft.core.Refusal;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.core.SnapshotTransfer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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

    private static final System.Logger LOG = System.getLogger(Replica.class.getName());

    private record PendingProposal(long term, CompletableFuture<Committed> result) {
    }

    private record PendingRead(Supplier<?> query, CompletableFuture<Object> result) {
    }

    /** A compaction whose image the log is saving, and everyone who asked for a compaction meanwhile. */
    private record Compaction(SnapshotMeta meta, CompletableFuture<Void> save,
                              List<CompletableFuture<SnapshotMeta>> waiting) {
    }

    /** A Ready that installs a snapshot, from the save of its image until the Ready is durable. */
    private record Install(Ready ready, CompletableFuture<Void> save) {
    }

    final long group;
    final Raft raft;
    private final GroupLog log;
    private final StateMachine stateMachine;
    private final Outbox outbox;

    private boolean persisting;
    /**
     * A hard state that changed only its commit index, not yet written. Raft's commit index is
     * volatile state: nothing waits for it to be durable (a restart learns it again, and entries up
     * to the state machine's applied index count as committed). It goes to disk with the next
     * write that must be durable.
     */
    private HardState deferredCommit;
    /** Term and vote of the last hard state handed to the log (or found in it). */
    private long writtenTerm;
    private long writtenVote;
    private boolean stopped;
    private long applied;
    private long readIds;
    /** The membership as of the applied index: a snapshot taken now must carry it. */
    private Membership appliedMembership;
    /** Images from the leader, spooled to files, waiting for the core to install them. */
    private final Map<SnapshotMeta, Path> staged = new HashMap<>();
    private final TreeMap<Long, PendingProposal> proposals = new TreeMap<>();
    private final Map<Long, PendingRead> reads = new HashMap<>();
    /** The compaction running, if one is: they never overlap. */
    private Compaction compaction;
    /** The snapshot install in flight, if one is. */
    private Install install;
    private final List<ReadState> confirmed = new ArrayList<>();
    /** The role last reported to the state machine. */
    private long reportedTerm = -1;
    private boolean reportedLeader;
    /** The local time the worker's timer for this replica is armed for. */
    long timerAt = Long.MIN_VALUE;
    /**
     * The commit index the log held at start: until the state machine reaches it the replica is
     * replaying, which an operator sees begin and end in the log (a restart's longest step).
     */
    private long replayingTo;

    Replica(long group, Raft raft, GroupLog log, StateMachine stateMachine, Outbox outbox, long applied) {
        this.group = group;
        this.raft = raft;
        this.log = log;
        this.stateMachine = stateMachine;
        this.outbox = outbox;
        this.applied = applied;
        this.appliedMembership = log.storage().snapshot().membership();
        this.writtenTerm = log.storage().hardState().term();
        this.writtenVote = log.storage().hardState().vote();
        this.replayingTo = log.storage().hardState().commit();
        if (replayingTo > applied) {
            LOG.log(System.Logger.Level.INFO, "group " + group + ": replaying " + (replayingTo - applied)
                    + " committed entries from the log (to index " + replayingTo + ")");
        }
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
     * as a {@link Task.Persisted} through {@code completions}. A Ready with nothing that must be
     * durable first (messages, committed entries, an advanced commit index) is carried out at once.
     * Returns whether committed entries still wait to be applied: the caller flushes it again in
     * its next round.
     */
    boolean flush(Consumer<Task> completions) {
        if (stopped) {
            return false;
        }
        reportRole();
        if (persisting) {
            // A write is in flight: heartbeats, their answers and pre-votes leave now rather than
            // after the fsync (a slow disk must not depose a leader); what was committed meanwhile
            // is durable here already, and applying it need not wait for the write of newer entries.
            for (Message m : raft.takeLivenessMessages()) {
                outbox.send(group, m);
            }
            applyAll(raft.takeCommitted());
            serveReads();
            return raft.hasCommittedToApply();
        }
        while (!persisting && !stopped && raft.hasReady()) {
            Ready ready = raft.ready();
            boolean applies = !ready.committed().isEmpty();
            persisting = true;
            for (Message m : ready.eager()) {
                // A leader's appends go out while its own write runs: followers write in parallel.
                outbox.send(group, m);
            }
            if (!ready.mustPersist() || onlyCommitAdvanced(ready)) {
                // Nothing here must be durable first: committed entries already are.
                if (ready.hardState() != null) {
                    deferredCommit = ready.hardState();
                }
                finish(ready, null, completions, true);
                reportRole();
            } else {
                // Committed entries are durable already: they are applied now, not after this write.
                applyAll(ready.committed());
                write(ready, completions);
            }
            if (applies && !stopped && raft.hasCommittedToApply()) {
                // A long replay goes one batch per round: heartbeats, votes and their answers are
                // handled between batches instead of waiting for all of it.
                return true;
            }
        }
        return false;
    }

    private boolean onlyCommitAdvanced(Ready ready) {
        HardState state = ready.hardState();
        return state != null && ready.snapshot() == null && ready.entries().isEmpty()
                && state.term() == writtenTerm && state.vote() == writtenVote;
    }

    private void write(Ready ready, Consumer<Task> completions) {
        if (ready.snapshot() == null) {
            persist(ready, completions);
            return;
        }
        // The image must be durable before the log records that it replaced everything. The log
        // copies it on its image writer, not here: a large image takes long enough to cost this
        // group, and the worker's others, their heartbeats. The Ready stays in flight meanwhile, as
        // it does while the log writes it; the save's completion comes back as a task.
        Path image = staged.get(ready.snapshot());
        if (image == null) {
            throw new IllegalStateException("core installs a snapshot this host never received: " + ready.snapshot());
        }
        FileChannel in;
        try {
            in = FileChannel.open(image, StandardOpenOption.READ);
        } catch (IOException e) {
            completions.accept(new Task.Persisted(group, ready, e));
            return;
        }
        CompletableFuture<Void> save = log.saveImage(ready.snapshot(), in);
        install = new Install(ready, save);
        save.whenComplete((ok, failure) -> completions.accept(new Task.ImageSaved(group, save, failure)));
    }

    /** Hands the Ready to the log, its snapshot's image (if any) durable already. */
    private void persist(Ready ready, Consumer<Task> completions) {
        Ready toWrite = ready;
        if (ready.hardState() != null) {
            writtenTerm = ready.hardState().term();
            writtenVote = ready.hardState().vote();
        } else if (deferredCommit != null) {
            toWrite = ready.withHardState(deferredCommit);
        }
        deferredCommit = null;
        log.persist(toWrite).whenComplete((ok, failure) -> completions.accept(new Task.Persisted(group, ready, failure)));
    }

    /**
     * An image this replica handed to its log is saved, or failed: the install it was for goes on
     * to the log, or the compaction it was for drops the log up to it. A save of a replica of this
     * group that stopped (and cancelled it) is no longer anyone's.
     */
    void imageSaved(CompletableFuture<Void> save, Throwable failure, Consumer<Task> completions) {
        if (stopped) {
            return;
        }
        if (install != null && install.save() == save) {
            if (failure != null) {
                persisting = false;
                // The worker stops the group, logs it and records it as failed, as for a failed log write.
                throw new IllegalStateException("group " + group + ": the image of the snapshot at "
                        + install.ready().snapshot().index() + " could not be saved", failure);
            }
            persist(install.ready(), completions);
        } else if (compaction != null && compaction.save() == save) {
            Compaction done = compaction;
            compaction = null;
            compactTo(done, failure);
        }
    }

    /** The Ready's write is durable: send, answer, and let the core go on. */
    void persisted(Ready ready, Throwable failure, Consumer<Task> completions) {
        finish(ready, failure, completions, false);
    }

    /**
     * Carries out the rest of a Ready once what it asked to write is durable; applies its committed
     * entries unless that was done when it was handed out.
     */
    private void finish(Ready ready, Throwable failure, Consumer<Task> completions, boolean applyCommitted) {
        persisting = false;
        if (ready.snapshot() != null) {
            install = null;
        }
        if (failure != null) {
            // The worker stops the group, logs it and records it as failed.
            throw new IllegalStateException("group " + group + ": its log failed", failure);
        }
        if (ready.snapshot() != null) {
            install(ready.snapshot());
        }
        for (Message m : ready.messages()) {
            outbox.send(group, m);
        }
        for (SnapshotTransfer t : ready.snapshotTransfers()) {
            sendSnapshot(t, completions);
        }
        reportRole();
        if (applyCommitted) {
            applyAll(ready.committed());
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

    private void reportRole() {
        boolean leader = raft.role() == io.flotilla.raft.core.Role.LEADER;
        if (raft.term() != reportedTerm || leader != reportedLeader) {
            reportedTerm = raft.term();
            reportedLeader = leader;
            LOG.log(System.Logger.Level.INFO, "group " + group + ": term " + reportedTerm
                    + (leader ? ", leading" : ", following") + " (applied " + applied + ", committed " + raft.committed() + ")");
            stateMachine.roleChanged(reportedTerm, leader);
        }
    }

    private void applyAll(List<Entry> entries) {
        for (Entry e : entries) {
            if (stopped) {
                return;
            }
            apply(e);
        }
    }

    private void apply(Entry e) {
        assert e.index() == applied + 1 && e.index() <= raft.committed()
                : "group " + group + " applying " + e.index() + " after " + applied + " with commit index " + raft.committed();
        if (e.payload() instanceof Payload.Reconfiguration r) {
            appliedMembership = r.membership();
        }
        Object result = stateMachine.apply(e, appliedMembership);
        applied = e.index();
        if (applied == replayingTo) {
            LOG.log(System.Logger.Level.INFO, "group " + group + ": replayed the log to index " + applied);
        }
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

    /** The leader's image, spooled to a file, arrived: the core decides whether it still needs it. */
    void snapshotArrived(Message.InstallSnapshot announcement, Path image) {
        if (stopped) {
            deleteQuietly(image);
            return;
        }
        Path previous = staged.put(announcement.snapshot(), image);
        if (previous != null) {
            deleteQuietly(previous);
        }
        raft.step(announcement);
    }

    /** The core replaced the log with a snapshot and it is durable: the state machine follows. */
    private void install(SnapshotMeta meta) {
        Path image = staged.remove(meta);
        try (FileChannel in = FileChannel.open(image, StandardOpenOption.READ)) {
            stateMachine.restore(in);
        } catch (IOException e) {
            throw new UncheckedIOException("restoring the snapshot at " + meta.index() + " failed", e);
        } finally {
            deleteQuietly(image);
        }
        applied = meta.index();
        appliedMembership = meta.membership();
        // Proposals at or below the snapshot may or may not have been among what it holds.
        GroupUnavailableException unknown = new GroupUnavailableException(group,
                GroupUnavailableException.Reason.OUTCOME_UNKNOWN, null, raft.leader(),
                "replaced by a snapshot at " + meta.index() + " before the proposal's outcome was seen here");
        var covered = proposals.headMap(meta.index(), true);
        covered.values().forEach(p -> p.result().completeExceptionally(unknown));
        covered.clear();
        // Staged images older than what was installed will never be needed.
        staged.entrySet().removeIf(e -> {
            if (e.getKey().index() <= meta.index()) {
                deleteQuietly(e.getValue());
                return true;
            }
            return false;
        });
    }

    /** Streams an image of the applied state to a follower the core says needs one. */
    private void sendSnapshot(SnapshotTransfer t, Consumer<Task> completions) {
        SnapshotMeta meta = new SnapshotMeta(applied, raft.termAt(applied), appliedMembership);
        CompletableFuture<Void> sent;
        try {
            sent = outbox.sendSnapshot(group, new Message.InstallSnapshot(raft.id(), t.to(), t.term(), meta, 0),
                    stateMachine.snapshot());
        } catch (IOException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((ok, failure) -> completions.accept(new Task.SnapshotSent(group, t.to(), failure == null)));
    }

    void snapshotSent(long peer, boolean installed) {
        if (!stopped) {
            raft.reportSnapshot(peer, installed);
        }
    }

    /**
     * Saves an image of the applied state and drops the log up to it. The image is durable before
     * the log forgets anything, so a restart always finds the image its log starts from.
     *
     * <p>Only taking the image happens here, on the group's thread, where it is consistent with
     * {@code applied}; the log reads and saves it on its image writer while this group goes on
     * (heartbeats, votes, proposals, applies). The state machine's contract allows that: the
     * range replica's image ({@code RangeStore.snapshot}) reads rows from an H2 MVCC snapshot fixed
     * in this call, produced on whatever thread reads the channel, and blocks no writer. One
     * compaction at a time: a request while one runs completes with that one's result.
     */
    void compact(CompletableFuture<SnapshotMeta> done, Consumer<Task> completions) {
        if (stopped) {
            done.completeExceptionally(stoppedError("the group has stopped"));
            return;
        }
        if (compaction != null) {
            compaction.waiting().add(done);
            return;
        }
        long appliedTerm = raft.termAt(applied);
        if (applied <= log.storage().snapshot().index() || install != null || appliedTerm < 0) {
            // Nothing to drop; or a snapshot from the leader is replacing the log past what is applied
            // here: being written (install), or taken by the core and not yet handed out, when the
            // core knows no term below it (a compaction asked for in that moment stopped the group).
            done.complete(log.storage().snapshot());
            return;
        }
        SnapshotMeta meta = new SnapshotMeta(applied, appliedTerm, appliedMembership);
        ReadableByteChannel image;
        try {
            image = stateMachine.snapshot();
        } catch (IOException e) {
            done.completeExceptionally(e);
            return;
        }
        CompletableFuture<Void> save = log.saveImage(meta, image);
        compaction = new Compaction(meta, save, new ArrayList<>(List.of(done)));
        save.whenComplete((ok, failure) -> completions.accept(new Task.ImageSaved(group, save, failure)));
    }

    /** The compaction's image is saved (or failed): the log drops what it covers, unless that went meanwhile. */
    private void compactTo(Compaction c, Throwable failure) {
        if (failure != null) {
            c.waiting().forEach(w -> w.completeExceptionally(failure));
            return;
        }
        SnapshotMeta current = log.storage().snapshot();
        if (install != null || c.meta().index() <= current.index()) {
            // A snapshot from the leader replaced the log, or is replacing it, beyond this image.
            c.waiting().forEach(w -> w.complete(current));
            return;
        }
        CompletableFuture<Void> compacted;
        try {
            compacted = log.compact(c.meta());
        } catch (RuntimeException e) {
            // Applied entries are durable here and never cut: the log refusing them is a bug, and stops the group.
            c.waiting().forEach(w -> w.completeExceptionally(e));
            throw e;
        }
        compacted.whenComplete((ok, compactFailure) -> {
            if (compactFailure != null) {
                c.waiting().forEach(w -> w.completeExceptionally(compactFailure));
            } else {
                c.waiting().forEach(w -> w.complete(c.meta()));
            }
        });
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            System.getLogger(Replica.class.getName()).log(System.Logger.Level.WARNING,
                    "could not delete spooled snapshot " + file, e);
        }
    }

    /** Fails everything pending: the group was removed, the node closed, or the log failed. */
    void stop(GroupUnavailableException cause) {
        staged.values().forEach(Replica::deleteQuietly);
        staged.clear();
        stopped = true;
        if (install != null) {
            // The log deletes what it saved of the image; the snapshot was never recorded.
            install.save().cancel(false);
            install = null;
        }
        if (compaction != null) {
            compaction.save().cancel(false);
            GroupUnavailableException abandoned = new GroupUnavailableException(group, cause.reason(), null, 0,
                    "the compaction to " + compaction.meta().index() + " was abandoned while its image was being saved");
            abandoned.initCause(cause);
            compaction.waiting().forEach(w -> w.completeExceptionally(abandoned));
            compaction = null;
        }
        if (reportedLeader) {
            // A stopped replica leads nothing: the state machine ends what it held for clients, who
            // then go to the group's other replicas.
            reportedLeader = false;
            try {
                stateMachine.roleChanged(reportedTerm, false);
            } catch (RuntimeException e) {
                // Stopping must finish whatever the state machine does: the pending work below fails.
                System.getLogger(Replica.class.getName()).log(System.Logger.Level.ERROR,
                        "group " + group + ": its state machine failed to let go of its leadership", e);
            }
        }
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
