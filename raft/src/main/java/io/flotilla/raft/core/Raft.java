package io.flotilla.raft.core;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * One replica of one Raft group, as a deterministic state machine. Ticks, messages, proposals and
 * read requests go in; a {@link Ready} of things to persist, send and apply comes out. There are no
 * threads, sockets, files or clocks in here: the monotonic clock and the randomness are injected,
 * and the host owns all I/O. Not thread-safe; the host calls it from one thread at a time.
 *
 * <p>Beyond the Raft paper it implements PreVote, CheckQuorum, leader leases, ReadIndex reads,
 * learners, joint-consensus membership changes, leadership transfer and snapshot catch-up, in the
 * manner of etcd's raft.
 */
public final class Raft {

    /** {@link #leaseExpiry()} when there is no lease to run out. */
    private static final long NO_LEASE = Long.MIN_VALUE;

    private final long id;
    private final Config config;
    private final LongSupplier clock;
    private final RandomGenerator random;
    private final RaftLog log;
    private final MembershipHistory membership;
    /** Null when this replica never quiesces: without node liveness, silence cannot be told from failure. */
    private final Liveness liveness;

    private long term;
    private long vote;
    private long leader = NodeIds.NONE;
    private Role role = Role.FOLLOWER;

    private long electionDeadline;
    /** When this replica last heard from a leader (or started); it refuses votes for an election timeout after. */
    private long lastLeaderContact;
    private final Map<Long, Boolean> votes = new TreeMap<>();

    // Leader state.
    private final TreeMap<Long, Progress> progress = new TreeMap<>();
    private final HeartbeatRounds rounds;
    private long nextHeartbeatAt;
    private long becameLeaderAt;
    private long transferTarget = NodeIds.NONE;
    private long transferDeadline;
    /** Set once a TimeoutNow went out: a forced election may win at any moment, so no lease for the rest of the term. */
    private boolean leaseRevoked;
    private final ReadQueue reads = new ReadQueue();
    /**
     * The group is idle: a leader sends no heartbeats, a follower runs no election timer, until a
     * proposal, read or message wakes it (see docs/idle-groups.md).
     */
    private boolean quiesced;
    /** When a quiesced leader last woke: no rounds went out while it slept, so CheckQuorum counts from here. */
    private long wokeAt;

    // Output since the last Ready.
    private final List<Message> outbox = new ArrayList<>();
    private final List<ReadState> readStates = new ArrayList<>();
    private final List<SnapshotTransfer> transfers = new ArrayList<>();
    private HardState handedOutHardState;
    /** The hard state of the last advanced Ready (the host made it durable), or the one loaded at start. */
    private HardState durableHardState;
    private Ready unadvanced;
    /** Entries were appended since the last Ready: followers get them, coalesced, when it is built. */
    private boolean appendsPending;

    /** A replica that never quiesces: it heartbeats (as leader) and keeps an election timer (as follower) while idle. */
    private final CommitHolds commitHolds = new CommitHolds();

    public Raft(Config config, Storage storage, LongSupplier monotonicClock, RandomGenerator random) {
        this(config, storage, monotonicClock, random, null);
    }

    /**
     * A replica that quiesces when its group is idle, relying on the node's failure detector to stand
     * in for heartbeats; the host must call {@link #wake()} when the node its quiesced group follows
     * stops being live.
     */
    public Raft(Config config, Storage storage, LongSupplier monotonicClock, RandomGenerator random, Liveness liveness) {
        this.liveness = liveness;
        this.id = config.id();
        this.config = config;
        this.clock = monotonicClock;
        this.random = random;
        HardState hs = storage.hardState();
        this.term = hs.term();
        this.vote = hs.vote();
        this.handedOutHardState = hs;
        this.durableHardState = hs;
        this.log = new RaftLog(storage, hs.commit(), config.applied());
        this.membership = new MembershipHistory(storage.snapshot());
        long first = storage.firstIndex();
        long last = storage.lastIndex();
        for (long from = first; from <= last; ) {
            List<Entry> chunk = storage.entries(from, last + 1, config.maxMessageBytes());
            membership.appended(chunk);
            from += chunk.size();
        }
        this.rounds = new HeartbeatRounds(2 * config.electionTimeout());
        long now = clock.getAsLong();
        // A restarted replica cannot know whose lease it acknowledged before it stopped, so it
        // treats its start as contact with a leader and refuses votes for an election timeout.
        this.lastLeaderContact = now;
        becomeFollower(term, NodeIds.NONE);
    }

    // ------------------------------------------------------------------ inputs

    /** Lets time pass: elections, heartbeats, CheckQuorum and transfer timeouts happen here. */
    public void tick() {
        long now = clock.getAsLong();
        if (quiesced) {
            return;
        }
        if (role == Role.LEADER) {
            tickLeader(now);
        } else if (now >= electionDeadline) {
            resetElectionDeadline(now);
            if (promotable()) {
                campaign(true, false);
            }
        }
    }

    /** Proposes a command. The result names the (term, index) that identifies it if it commits. */
    public Proposal propose(byte[] command) {
        Proposal.Refused refused = refuseWork();
        if (refused != null) {
            return refused;
        }
        if (command.length > config.maxEntryBytes()) {
            // Accepted, it could never be shipped: the group would retry it forever and take nothing else.
            return new Proposal.Refused(Refusal.ENTRY_TOO_LARGE, id);
        }
        wakeLeader();
        return appendAsLeader(new Payload.Command(command));
    }

    /**
     * Changes the voters and learners to {@code target} (a simple membership). A change of voters goes
     * through joint consensus; the leader leaves the joint membership by itself once it commits.
     * Only one change at a time, and only after the leader committed an entry of its term.
     */
    public Proposal changeMembership(Membership target) {
        Proposal.Refused refused = refuseWork();
        if (refused != null) {
            return refused;
        }
        if (!committedInOwnTerm()) {
            return new Proposal.Refused(Refusal.LEADER_NOT_READY, id);
        }
        Membership current = membership.current();
        if (current.joint() || membership.currentIndex() > log.committed()) {
            return new Proposal.Refused(Refusal.MEMBERSHIP_CHANGE_PENDING, id);
        }
        if (target.joint() || target.voters().isEmpty()) {
            return new Proposal.Refused(Refusal.INVALID_MEMBERSHIP, id);
        }
        for (long promoted : target.voters()) {
            Progress pr = progress.get(promoted);
            if (!current.isVoter(promoted) && (pr == null || log.lastIndex() - pr.match > config.maxTransferLag())) {
                return new Proposal.Refused(Refusal.LEARNER_BEHIND, id);
            }
        }
        wakeLeader();
        if (target.voters().equals(current.voters())) {
            return appendAsLeader(new Payload.Reconfiguration(target));
        }
        return appendAsLeader(new Payload.Reconfiguration(current.enterJoint(target)));
    }

    /**
     * Asks for a linearizable read. Once confirmed, a {@link ReadState} with this id comes out in a
     * Ready: the read may be served when the state machine has applied its index. Refused when this
     * replica is not the leader.
     */
    public Optional<Proposal.Refused> read(long requestId) {
        if (role != Role.LEADER) {
            return Optional.of(new Proposal.Refused(Refusal.NOT_LEADER, leader));
        }
        wakeLeader();
        if (!committedInOwnTerm()) {
            // A new leader's commit index may lag what was committed before: wait for its own entry.
            reads.awaitOwnTermCommit(requestId);
            return Optional.empty();
        }
        confirmRead(requestId, clock.getAsLong());
        return Optional.empty();
    }

    /**
     * As leader: commits nothing beyond the present commit index until {@link #releaseCommits} or
     * for at most {@code durationNanos} (see {@link CommitHolds}): the hold's id and the index held
     * at, or refused when not the leader.
     */
    public CommitHold holdCommits(long durationNanos) {
        if (role != Role.LEADER) {
            return new CommitHold.Refused(Refusal.NOT_LEADER, leader);
        }
        wakeLeader();
        long hold = commitHolds.hold(log.committed(), clock.getAsLong() + durationNanos);
        return new CommitHold.Held(term, hold, commitHolds.limit(log.committed()));
    }

    /**
     * Ends a hold of {@link #holdCommits} (of this replica's leadership in {@code holdTerm}); one
     * that lapsed, or went with that leadership, is gone already.
     */
    public void releaseCommits(long holdTerm, long hold) {
        if (role == Role.LEADER && holdTerm == term && commitHolds.release(hold) && !commitHolds.any()) {
            maybeCommit();
        }
    }

    /** Hands leadership to a voter that is close enough behind. */
    public Optional<Proposal.Refused> transferLeadership(long target) {
        if (role != Role.LEADER) {
            return Optional.of(new Proposal.Refused(Refusal.NOT_LEADER, leader));
        }
        if (target == id) {
            return Optional.empty();
        }
        Progress pr = progress.get(target);
        if (!membership.current().isVoter(target) || pr == null) {
            return Optional.of(new Proposal.Refused(Refusal.TARGET_NOT_VOTER, id));
        }
        if (log.lastIndex() - pr.match > config.maxTransferLag()) {
            return Optional.of(new Proposal.Refused(Refusal.TARGET_BEHIND, id));
        }
        if (transferTarget == target) {
            return Optional.empty();
        }
        wakeLeader();
        transferTarget = target;
        transferDeadline = clock.getAsLong() + config.electionTimeout();
        if (pr.match == log.lastIndex()) {
            sendTimeoutNow(target);
        } else {
            sendAppend(target);
        }
        return Optional.empty();
    }

    /** The host's report on a snapshot transfer it was asked for. */
    public void reportSnapshot(long peer, boolean installed) {
        Progress pr = progress.get(peer);
        if (role != Role.LEADER || pr == null || pr.state != ProgressState.SNAPSHOT) {
            return;
        }
        // Probe either way, once the follower answers the probe or the next heartbeat: waiting in
        // SNAPSHOT for the follower's answer to the image would wait for ever if that one answer
        // were lost (the whole-stack simulator found a follower stranded so). A follower that
        // installed the image holds everything before the leader's first entry.
        pr.becomeProbe();
        if (installed) {
            pr.next = Math.max(pr.next, log.firstIndex());
        }
        pr.probeSent = true;
    }

    /** Takes one message from another replica. */
    public void step(Message m) {
        if (m.to() != id) {
            throw new IllegalArgumentException("message for " + m.to() + " delivered to " + id);
        }
        long now = clock.getAsLong();
        if (quiesced && wakesFromQuiescence(m)) {
            wake(now);
        }
        if (m.term() > term) {
            if (m instanceof Message.VoteRequest v && !v.transfer() && inLease(now)
                    && !config.has(DeliberateBug.VOTE_DESPITE_LEASE)) {
                // We heard from a live leader within an election timeout: its lease may be valid.
                return;
            }
            boolean keepTerm = (m instanceof Message.VoteRequest v && v.preVote())
                    || (m instanceof Message.VoteResponse r && r.preVote() && r.granted());
            if (!keepTerm) {
                boolean fromLeader = m instanceof Message.Append || m instanceof Message.Heartbeat
                        || m instanceof Message.InstallSnapshot;
                becomeFollower(m.term(), fromLeader ? m.from() : NodeIds.NONE);
            }
        } else if (m.term() < term) {
            stepStale(m);
            return;
        }
        if (m instanceof Message.VoteRequest v) {
            handleVoteRequest(v, now);
        } else if (m instanceof Message.VoteResponse v) {
            handleVoteResponse(v);
        } else if (m instanceof Message.Append a) {
            followLeader(a.from(), now);
            handleAppend(a);
        } else if (m instanceof Message.Heartbeat h) {
            followLeader(h.from(), now);
            handleHeartbeat(h);
        } else if (m instanceof Message.InstallSnapshot snapshot) {
            followLeader(snapshot.from(), now);
            handleSnapshot(snapshot);
        } else if (m instanceof Message.TimeoutNow) {
            if (role != Role.LEADER && promotable()) {
                campaign(false, true);
            }
        } else if (m instanceof Message.AppendResponse r) {
            if (role == Role.LEADER) {
                handleAppendResponse(r);
            }
        } else if (m instanceof Message.HeartbeatResponse r) {
            if (role == Role.LEADER) {
                handleHeartbeatResponse(r);
            }
        }
    }

    // ------------------------------------------------------------------ outputs

    public boolean hasReady() {
        return appendsPending || !outbox.isEmpty() || !readStates.isEmpty() || !transfers.isEmpty() || reads.hasAbandoned()
                || log.hasUnhandedEntries()
                || log.hasUnhandedSnapshot() || log.hasCommittedToApply() || !hardState().equals(handedOutHardState);
    }

    /** Everything to persist, send and apply since the last Ready. Call {@link #advance} before the next. */
    public Ready ready() {
        if (unadvanced != null) {
            throw new IllegalStateException("advance the previous Ready first");
        }
        if (appendsPending) {
            appendsPending = false;
            if (role == Role.LEADER) {
                broadcastAppend();
            }
        }
        HardState hs = hardState();
        HardState changed = hs.equals(handedOutHardState) ? null : hs;
        // The previous Ready was persisted before this one is handed out: what it carried is durable.
        boolean termDurable = hs.term() == handedOutHardState.term() && hs.vote() == handedOutHardState.vote();
        handedOutHardState = hs;
        SnapshotMeta snapshot = log.hasUnhandedSnapshot() ? log.handOutSnapshot() : null;
        List<Entry> entries = log.hasUnhandedEntries() ? log.handOutEntries() : List.of();
        List<Message> eager = new ArrayList<>();
        List<Message> afterPersist = new ArrayList<>();
        for (Message m : outbox) {
            boolean fromLeader = m instanceof Message.Append || m instanceof Message.Heartbeat;
            (role == Role.LEADER && termDurable && fromLeader ? eager : afterPersist).add(m);
        }
        Ready ready = new Ready(changed, snapshot, entries, afterPersist, log.handOutCommitted(config.maxApplyBytes()),
                readStates, reads.takeAbandoned(), transfers, eager);
        outbox.clear();
        readStates.clear();
        transfers.clear();
        unadvanced = ready;
        return ready;
    }

    /**
     * The messages that keep leadership and elections alive, taken out of the next Ready so that a
     * host may send them while the previous Ready is still being written: a leader's heartbeats,
     * a follower's answers to them, and pre-vote requests. They promise nothing about what that
     * write holds (etcd sends them without waiting for its writes too; what agrees with a leader
     * or candidate — append answers, vote answers, pre-vote answers — still waits). Only while the
     * term and vote they go out under are durable already; otherwise none.
     *
     * <p>Without this a slow disk held them up: a follower's fsync of one batch of entries kept
     * its heartbeat answers, and a leader's kept its heartbeats, until the write returned, long
     * enough on a busy machine for CheckQuorum or an election timer to fire.
     */
    public List<Message> takeLivenessMessages() {
        HardState hs = hardState();
        if (hs.term() != durableHardState.term() || hs.vote() != durableHardState.vote() || outbox.isEmpty()) {
            return List.of();
        }
        List<Message> taken = new ArrayList<>();
        for (Iterator<Message> it = outbox.iterator(); it.hasNext(); ) {
            Message m = it.next();
            if (keepsAlive(m)) {
                taken.add(m);
                it.remove();
            }
        }
        return taken;
    }

    private static boolean keepsAlive(Message m) {
        return m instanceof Message.Heartbeat || m instanceof Message.HeartbeatResponse
                || m instanceof Message.VoteRequest v && v.preVote();
    }

    /**
     * Entries committed since the last Ready that this replica already holds durably, for a host to
     * apply while that Ready is still being written: applying a committed, durable entry waits for
     * nothing else. They follow the entries of any Ready handed out before, which the host must
     * therefore have applied already (it may apply a Ready's committed entries as soon as it gets
     * the Ready, for the same reason).
     */
    public List<Entry> takeCommitted() {
        return log.handOutCommitted(config.maxApplyBytes());
    }

    /** Whether committed entries this replica holds durably wait to be handed out for applying. */
    public boolean hasCommittedToApply() {
        return log.hasCommittedToApply();
    }

    /** The host has persisted, sent and applied everything in the Ready. */
    public void advance(Ready ready) {
        if (ready != unadvanced) {
            throw new IllegalStateException("advance must be given the last Ready");
        }
        unadvanced = null;
        if (ready.hardState() != null) {
            durableHardState = ready.hardState();
        }
        if (ready.snapshot() != null) {
            log.persistedSnapshot(ready.snapshot());
        }
        if (!ready.entries().isEmpty()) {
            Entry last = ready.entries().get(ready.entries().size() - 1);
            log.persistedTo(last.index(), last.term());
        }
        if (role == Role.LEADER) {
            // The leader counts toward commitment only what it has itself made durable.
            progress.get(id).acknowledge(log.persistedIndex());
            maybeCommit();
        }
    }

    // ------------------------------------------------------------------ inspection

    public long id() {
        return id;
    }

    public Role role() {
        return role;
    }

    public long term() {
        return term;
    }

    public long leader() {
        return leader;
    }

    public long committed() {
        return log.committed();
    }

    public long lastIndex() {
        return log.lastIndex();
    }

    public long firstIndex() {
        return log.firstIndex();
    }

    /** The term of the entry at index in this replica's log, or -1 if it is not held (compacted or beyond the end). */
    public long termAt(long index) {
        return log.term(index);
    }

    public Membership membership() {
        return membership.current();
    }

    /**
     * The index of the log entry that set {@link #membership()} (the snapshot's index for one that
     * came with it): committed once {@link #committed()} reached it, and never cut after that.
     */
    public long membershipIndex() {
        return membership.currentIndex();
    }

    /**
     * The local time at which {@link #tick()} next has something to do. A host may tick only then
     * (re-asking after every input), which is what lets thousands of idle groups cost nothing.
     */
    public long nextTimerAt() {
        if (quiesced) {
            return Long.MAX_VALUE;
        }
        if (role != Role.LEADER) {
            return electionDeadline;
        }
        long next = Math.min(Math.min(nextHeartbeatAt, lastQuorumContact() + config.electionTimeout()),
                commitHolds.nextDeadline());
        return transferTarget != NodeIds.NONE ? Math.min(next, transferDeadline) : next;
    }

    /** Whether the group is idle here: no heartbeats or election timer until something wakes it. */
    public boolean quiesced() {
        return quiesced;
    }

    /**
     * Ends quiescence: the host calls it when the node that leads this quiesced group stops being
     * live, so the election timer runs again. Does nothing if not quiesced.
     */
    public void wake() {
        if (quiesced) {
            wake(clock.getAsLong());
        }
    }

    /** Whether a lease read would be served locally right now. */
    public boolean holdsLease() {
        return leaseValid(clock.getAsLong());
    }

    /**
     * How long the lease this leader holds has left, in nanoseconds of the core's clock; empty when
     * it holds none. The core's clock is monotonic and its own: a host that shows the expiry as a
     * time of day adds this to its wall clock.
     */
    public OptionalLong leaseRemaining() {
        long now = clock.getAsLong();
        long expiry = leaseExpiry();
        return expiry != NO_LEASE && now < expiry ? OptionalLong.of(expiry - now) : OptionalLong.empty();
    }

    /**
     * The payload bytes of the entries this replica's log holds after {@code index}: what a replica
     * whose log matches this one up to {@code index} still lacks. Entries already compacted into
     * the snapshot are not held, so they are not counted.
     */
    public long payloadBytesAfter(long index) {
        return log.payloadBytes(index + 1, log.lastIndex() + 1);
    }

    /** The replication state of each member as the leader sees it; empty on other replicas. */
    public Map<Long, ReplicaProgress> progress() {
        Map<Long, ReplicaProgress> out = new TreeMap<>();
        if (role == Role.LEADER) {
            progress.forEach((peer, pr) -> out.put(peer, new ReplicaProgress(pr.match, pr.next, pr.state,
                    pr.inflights.count())));
        }
        return out;
    }

    // ------------------------------------------------------------------ roles

    private void becomeFollower(long newTerm, long newLeader) {
        if (newTerm != term) {
            term = newTerm;
            vote = NodeIds.NONE;
        }
        leader = newLeader;
        role = Role.FOLLOWER;
        leaveLeadership();
        resetElectionDeadline(clock.getAsLong());
    }

    private void becomePreCandidate() {
        role = Role.PRE_CANDIDATE;
        leader = NodeIds.NONE;
        leaveLeadership();
        votes.clear();
    }

    private void becomeCandidate() {
        term++;
        vote = id;
        role = Role.CANDIDATE;
        leader = NodeIds.NONE;
        leaveLeadership();
        votes.clear();
    }

    private void becomeLeader(long now) {
        role = Role.LEADER;
        leader = id;
        quiesced = false;
        becameLeaderAt = now;
        rounds.reset();
        rounds.start(now);
        nextHeartbeatAt = now + config.heartbeatInterval();
        leaseRevoked = false;
        transferTarget = NodeIds.NONE;
        progress.clear();
        for (long member : membership.current().all()) {
            progress.put(member, new Progress(log.lastIndex() + 1, config));
        }
        Progress self = progress.computeIfAbsent(id, k -> new Progress(log.lastIndex() + 1, config));
        self.acknowledge(log.persistedIndex());
        self.becomeReplicate();
        // Commit something of our own term: only then do we know our commit index is current.
        appendAsLeader(new Payload.Noop());
    }

    private void leaveLeadership() {
        quiesced = false;
        commitHolds.clear();
        progress.clear();
        rounds.reset();
        transferTarget = NodeIds.NONE;
        leaseRevoked = false;
        reads.abandonAll();
    }

    private boolean promotable() {
        return membership.current().isVoter(id);
    }

    private void resetElectionDeadline(long now) {
        electionDeadline = now + config.electionTimeout() + random.nextLong(config.electionTimeout());
    }

    private void followLeader(long from, long now) {
        if (role != Role.FOLLOWER || leader != from) {
            becomeFollower(term, from);
        }
        lastLeaderContact = now;
        resetElectionDeadline(now);
    }

    /**
     * Whether a leader's lease this replica acknowledged (or its own) may still be valid. A quiesced
     * follower defers to a leader whose node is live: refusing votes longer than a lease needs is
     * always safe. (A quiesced leader wakes before it looks at a vote request, and counts from then.)
     */
    private boolean inLease(long now) {
        if (role == Role.LEADER) {
            return now - lastQuorumContact() < config.electionTimeout();
        }
        if (quiesced && leaderLive()) {
            return true;
        }
        return now - lastLeaderContact < config.electionTimeout();
    }

    private boolean leaderLive() {
        return leader != NodeIds.NONE && liveness.isLive(leader);
    }

    // ------------------------------------------------------------------ quiescence

    /**
     * Which messages end quiescence. Answers never do (the quiescing round's answers arrive after
     * it), nor the quiescing heartbeat. A quiesced follower also sleeps through a vote request from
     * anyone but its leader while the leader's node is live, and refuses it: a replica that missed
     * the quiescing heartbeat must not start elections in a healthy group. Its request to the
     * leader wakes the leader, whose heartbeat brings it back.
     */
    private boolean wakesFromQuiescence(Message m) {
        if (m instanceof Message.AppendResponse || m instanceof Message.HeartbeatResponse
                || m instanceof Message.VoteResponse) {
            return false;
        }
        if (role == Role.LEADER) {
            return true;
        }
        if (m instanceof Message.Heartbeat h && h.quiesce() && h.from() == leader && h.term() == term) {
            return false;
        }
        return !(m instanceof Message.VoteRequest && m.from() != leader && leaderLive());
    }

    private void wakeLeader() {
        if (quiesced) {
            wake(clock.getAsLong());
        }
    }

    private void wake(long now) {
        quiesced = false;
        if (role == Role.LEADER) {
            wokeAt = now;
            nextHeartbeatAt = now + config.heartbeatInterval();
            broadcastHeartbeat(now, false);
        } else {
            resetElectionDeadline(now);
        }
    }

    /**
     * A leader may quiesce once nothing is in flight: everything is committed, in its own term, every
     * member holds all of it, and no read, transfer or membership change waits.
     */
    private boolean idle() {
        if (liveness == null || transferTarget != NodeIds.NONE || !reads.isEmpty() || !committedInOwnTerm()
                || log.committed() != log.lastIndex() || membership.currentIndex() > log.committed()
                || membership.current().joint()) {
            return false;
        }
        for (var e : progress.entrySet()) {
            Progress pr = e.getValue();
            if (e.getKey() != id && (pr.match != log.lastIndex() || pr.state != ProgressState.REPLICATE
                    || pr.inflights.count() > 0)) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ elections

    private void campaign(boolean preVote, boolean transfer) {
        long now = clock.getAsLong();
        long voteTerm;
        if (preVote) {
            becomePreCandidate();
            voteTerm = term + 1;
        } else {
            becomeCandidate();
            voteTerm = term;
        }
        resetElectionDeadline(now);
        votes.put(id, true);
        if (tally() == VoteTally.WON) {
            if (preVote) {
                campaign(false, transfer);
            } else {
                becomeLeader(now);
            }
            return;
        }
        for (long peer : membership.current().all()) {
            if (peer != id && membership.current().isVoter(peer)) {
                send(new Message.VoteRequest(id, peer, voteTerm, preVote, log.lastIndex(), log.lastTerm(), transfer));
            }
        }
    }

    private VoteTally tally() {
        return membership.current().tally(peer -> Boolean.TRUE.equals(votes.get(peer)),
                peer -> Boolean.FALSE.equals(votes.get(peer)));
    }

    private void handleVoteRequest(Message.VoteRequest m, long now) {
        boolean canVote = vote == m.from()
                || (vote == NodeIds.NONE && leader == NodeIds.NONE)
                || (m.preVote() && m.term() > term);
        boolean upToDate = config.has(DeliberateBug.SKIP_LOG_UP_TO_DATE_CHECK) || log.isUpToDate(m.lastIndex(), m.lastTerm());
        if (canVote && upToDate) {
            // A granted pre-vote answers in the term asked about, so the candidate can tell it from a stale answer.
            send(new Message.VoteResponse(id, m.from(), m.preVote() ? m.term() : term, m.preVote(), true));
            if (!m.preVote()) {
                vote = m.from();
                resetElectionDeadline(now);
            }
        } else {
            send(new Message.VoteResponse(id, m.from(), term, m.preVote(), false));
        }
    }

    private void handleVoteResponse(Message.VoteResponse m) {
        boolean expected = (role == Role.PRE_CANDIDATE && m.preVote() && m.term() == term + (m.granted() ? 1 : 0))
                || (role == Role.CANDIDATE && !m.preVote() && m.term() == term);
        if (!expected) {
            return;
        }
        votes.put(m.from(), m.granted());
        switch (tally()) {
            case WON -> {
                if (role == Role.PRE_CANDIDATE) {
                    campaign(false, false);
                } else {
                    becomeLeader(clock.getAsLong());
                }
            }
            case LOST -> becomeFollower(term, NodeIds.NONE);
            case PENDING -> {
            }
        }
    }

    /** A message from an older term changes nothing, but may tell a stale leader or candidate to stand down. */
    private void stepStale(Message m) {
        if (m instanceof Message.Append || m instanceof Message.Heartbeat) {
            send(new Message.AppendResponse(id, m.from(), term, false, 0, 0, 0, 0));
        } else if (m instanceof Message.VoteRequest v && v.preVote()) {
            send(new Message.VoteResponse(id, v.from(), term, true, false));
        }
    }

    // ------------------------------------------------------------------ follower side

    private void handleAppend(Message.Append m) {
        if (m.prevIndex() < log.committed()) {
            send(new Message.AppendResponse(id, m.from(), term, false, log.committed(), 0, 0, m.round()));
            return;
        }
        if (log.matchTerm(m.prevIndex(), m.prevTerm())) {
            long lastNew = m.prevIndex() + m.entries().size();
            long conflict = log.findConflict(m.entries());
            if (conflict != 0) {
                List<Entry> fresh = m.entries().subList((int) (conflict - m.prevIndex() - 1), m.entries().size());
                log.append(fresh);
                membership.appended(fresh);
            }
            log.commitTo(Math.min(m.commit(), lastNew));
            send(new Message.AppendResponse(id, m.from(), term, false, lastNew, 0, 0, m.round()));
            return;
        }
        long hintIndex = log.findConflictByTerm(Math.min(m.prevIndex(), log.lastIndex()), m.prevTerm());
        send(new Message.AppendResponse(id, m.from(), term, true, m.prevIndex(), hintIndex, log.term(hintIndex),
                m.round()));
    }

    private void handleHeartbeat(Message.Heartbeat m) {
        log.commitTo(Math.min(m.commit(), log.lastIndex()));
        if (m.quiesce() && liveness != null && m.commit() == log.lastIndex() && log.committed() == log.lastIndex()) {
            // Our log ends where the leader's does and all of it is committed: nothing to wait for.
            quiesced = true;
        }
        send(new Message.HeartbeatResponse(id, m.from(), term, m.round()));
    }

    private void handleSnapshot(Message.InstallSnapshot m) {
        SnapshotMeta s = m.snapshot();
        if (s.index() <= log.committed()) {
            send(new Message.AppendResponse(id, m.from(), term, false, log.committed(), 0, 0, m.round()));
            return;
        }
        if (log.matchTerm(s.index(), s.term())) {
            // We already hold the snapshot's last entry: keep our log, just commit up to it.
            log.commitTo(s.index());
        } else {
            log.restore(s);
            membership.reset(s);
        }
        send(new Message.AppendResponse(id, m.from(), term, false, s.index(), 0, 0, m.round()));
    }

    // ------------------------------------------------------------------ leader side

    private Proposal.Refused refuseWork() {
        if (role != Role.LEADER) {
            return new Proposal.Refused(Refusal.NOT_LEADER, leader);
        }
        if (transferTarget != NodeIds.NONE) {
            return new Proposal.Refused(Refusal.TRANSFER_IN_PROGRESS, id);
        }
        return null;
    }

    private Proposal appendAsLeader(Payload payload) {
        Entry entry = new Entry(term, log.lastIndex() + 1, payload);
        List<Entry> entries = List.of(entry);
        log.append(entries);
        membership.appended(entries);
        if (payload instanceof Payload.Reconfiguration) {
            syncProgressWithMembership();
        }
        appendsPending = true;
        return new Proposal.Appended(term, entry.index());
    }

    private void tickLeader(long now) {
        if (now - lastQuorumContact() >= config.electionTimeout()) {
            // CheckQuorum: a leader cut off from a quorum steps down rather than accept writes it cannot commit.
            becomeFollower(term, NodeIds.NONE);
            return;
        }
        if (transferTarget != NodeIds.NONE && now >= transferDeadline) {
            transferTarget = NodeIds.NONE;
        }
        if (commitHolds.expire(now) && !commitHolds.any()) {
            maybeCommit();
        }
        if (now >= nextHeartbeatAt) {
            nextHeartbeatAt = now + config.heartbeatInterval();
            quiesced = idle();
            broadcastHeartbeat(now, quiesced);
        }
    }

    /** The send time of the latest round a quorum answered; the leader's election and waking count as one. */
    private long lastQuorumContact() {
        return Math.max(Math.max(becameLeaderAt, wokeAt), rounds.sentAt(quorumRound()));
    }

    private long quorumRound() {
        return membership.current().quorumValue(peer -> {
            Progress pr = progress.get(peer);
            return peer == id ? rounds.current() : pr == null ? 0 : pr.ackedRound;
        });
    }

    private boolean leaseValid(long now) {
        long expiry = leaseExpiry();
        return expiry != NO_LEASE && now < expiry;
    }

    /** When the lease runs out on the core's clock (it may have already), or {@link #NO_LEASE}. */
    private long leaseExpiry() {
        if (role != Role.LEADER || leaseRevoked || transferTarget != NodeIds.NONE || !committedInOwnTerm()) {
            return NO_LEASE;
        }
        long sent = rounds.sentAt(quorumRound());
        if (config.has(DeliberateBug.LEASE_FROM_WAKING)) {
            sent = Math.max(sent, wokeAt);
        }
        return sent == Long.MIN_VALUE ? NO_LEASE : sent + config.leaseDuration();
    }

    private boolean committedInOwnTerm() {
        return log.term(log.committed()) == term;
    }

    private void confirmRead(long requestId, long now) {
        if (leaseValid(now)) {
            readStates.add(new ReadState(requestId, log.committed(), true));
            return;
        }
        // ReadIndex: a round sent after the read arrived must be answered by a quorum.
        long round = broadcastHeartbeat(now, false);
        reads.awaitRound(requestId, log.committed(), round);
        releaseReads();
    }

    private void releaseReads() {
        reads.releaseUpTo(quorumRound(), readStates);
    }

    private long broadcastHeartbeat(long now, boolean quiesce) {
        long round = rounds.start(now);
        for (var e : progress.entrySet()) {
            long peer = e.getKey();
            if (peer != id) {
                send(new Message.Heartbeat(id, peer, term, Math.min(e.getValue().match, log.committed()), round, quiesce));
            }
        }
        return round;
    }

    private void broadcastAppend() {
        for (long peer : progress.keySet()) {
            if (peer != id) {
                sendAppend(peer);
            }
        }
    }

    /** Sends what the follower lacks, if its window allows; returns whether anything was sent. */
    private boolean sendAppend(long peer) {
        return sendAppend(peer, true);
    }

    private boolean sendAppend(long peer, boolean evenIfEmpty) {
        Progress pr = progress.get(peer);
        if (pr == null || pr.paused()) {
            return false;
        }
        long prevIndex = pr.next - 1;
        long prevTerm = log.term(prevIndex);
        List<Entry> entries = prevTerm == RaftLog.UNKNOWN_TERM ? null
                : log.slice(pr.next, log.lastIndex() + 1, config.maxMessageBytes());
        if (entries == null) {
            pr.becomeSnapshot();
            transfers.add(new SnapshotTransfer(peer, term));
            return true;
        }
        if (entries.isEmpty() && !evenIfEmpty) {
            return false;
        }
        long bytes = 0;
        for (Entry e : entries) {
            bytes += e.size();
        }
        pr.sent(entries.isEmpty() ? prevIndex : entries.get(entries.size() - 1).index(), bytes);
        send(new Message.Append(id, peer, term, prevIndex, prevTerm, entries, log.committed(), rounds.current()));
        return true;
    }

    private void handleAppendResponse(Message.AppendResponse m) {
        Progress pr = progress.get(m.from());
        if (pr == null) {
            return;
        }
        ackRound(pr, m.round());
        if (m.rejected()) {
            long probeFrom = m.hintIndex();
            if (m.hintTerm() > 0) {
                probeFrom = log.findConflictByTerm(m.hintIndex(), m.hintTerm());
            }
            if (pr.backOff(m.index(), probeFrom)) {
                if (pr.state == ProgressState.REPLICATE) {
                    pr.becomeProbe();
                }
                sendAppend(m.from());
            }
            return;
        }
        boolean wasPaused = pr.paused();
        if (!pr.acknowledge(m.index())) {
            return;
        }
        switch (pr.state) {
            case PROBE -> pr.becomeReplicate();
            case SNAPSHOT -> {
                if (pr.match + 1 >= log.firstIndex()) {
                    pr.becomeReplicate();
                }
            }
            case REPLICATE -> pr.inflights.freeUpTo(m.index());
        }
        if (!maybeCommit() && (wasPaused || pr.state == ProgressState.REPLICATE)) {
            // Fill the pipeline (a commit already broadcast to everyone).
            while (pr.state == ProgressState.REPLICATE && sendAppend(m.from(), false)) {
                // keep sending while the window allows
            }
        }
        if (m.from() == transferTarget && pr.match == log.lastIndex() && role == Role.LEADER) {
            sendTimeoutNow(m.from());
        }
    }

    private void handleHeartbeatResponse(Message.HeartbeatResponse m) {
        Progress pr = progress.get(m.from());
        if (pr == null) {
            return;
        }
        ackRound(pr, m.round());
        pr.probeSent = false;
        if (pr.state == ProgressState.REPLICATE && pr.inflights.full()) {
            pr.inflights.freeOldest();
        }
        if (pr.match < log.lastIndex()) {
            sendAppend(m.from());
        }
    }

    private void ackRound(Progress pr, long round) {
        if (round > pr.ackedRound) {
            pr.ackedRound = round;
            releaseReads();
        }
    }

    /** Advances the commit index to what a quorum holds, counting only entries of the current term. */
    private boolean maybeCommit() {
        long quorumMatch = commitHolds.limit(membership.current().quorumValue(peer -> {
            Progress pr = progress.get(peer);
            return pr == null ? 0 : pr.match;
        }));
        if (quorumMatch <= log.committed()) {
            return false;
        }
        if (log.term(quorumMatch) != term && !config.has(DeliberateBug.COUNT_OLDER_TERM_TOWARD_COMMIT)) {
            return false;
        }
        log.commitTo(quorumMatch);
        onCommitAdvanced();
        return true;
    }

    private void onCommitAdvanced() {
        if (committedInOwnTerm()) {
            long now = clock.getAsLong();
            for (long requestId : reads.takeAwaitingOwnTermCommit()) {
                confirmRead(requestId, now);
            }
        }
        Membership current = membership.current();
        boolean membershipCommitted = membership.currentIndex() <= log.committed();
        if (membershipCommitted && current.joint()) {
            appendAsLeader(new Payload.Reconfiguration(current.leaveJoint()));
            return;
        }
        if (membershipCommitted && !current.isVoter(id)) {
            // Removed from the voters: tell the others the new membership committed, then stand down.
            broadcastAppend();
            becomeFollower(term, NodeIds.NONE);
        } else {
            appendsPending = true;
        }
    }

    private void syncProgressWithMembership() {
        Membership current = membership.current();
        progress.keySet().removeIf(peer -> !current.contains(peer) && peer != id);
        for (long member : current.all()) {
            progress.computeIfAbsent(member, k -> new Progress(log.lastIndex(), config));
        }
    }

    private void sendTimeoutNow(long target) {
        leaseRevoked = true;
        send(new Message.TimeoutNow(id, target, term));
    }

    private HardState hardState() {
        return new HardState(term, vote, log.committed());
    }

    private void send(Message m) {
        outbox.add(m);
    }
}
