package io.flotilla.raft.core;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scenario tests of the core: each drives a small in-memory group into one exact situation. */
class RaftTest {

    private static final long ET = 100;

    private static byte[] cmd(int i) {
        return ("cmd-" + i).getBytes();
    }

    @Test
    void electsOneLeaderThatCommitsAnEntryOfItsOwnTerm() {
        LocalCluster c = new LocalCluster(3, 1);
        Raft leader = c.electLeader();
        c.advance(ET / 10);
        assertEquals(leader.term(), leader.termAt(leader.committed()));
        long leaders = c.node(1).role() == Role.LEADER ? 1 : 0;
        leaders += c.node(2).role() == Role.LEADER ? 1 : 0;
        leaders += c.node(3).role() == Role.LEADER ? 1 : 0;
        assertEquals(1, leaders);
        for (long id = 1; id <= 3; id++) {
            assertEquals(leader.id(), c.node(id).leader());
            assertInstanceOf(Payload.Noop.class, c.applied(id).get(0).payload());
        }
    }

    @Test
    void replicatesProposalsAndEveryReplicaAppliesTheSameEntries() {
        LocalCluster c = new LocalCluster(3, 2);
        Raft leader = c.electLeader();
        for (int i = 0; i < 50; i++) {
            assertInstanceOf(Proposal.Appended.class, leader.propose(cmd(i)));
        }
        c.deliverAll();
        c.advance(ET / 10);
        assertEquals(51, c.applied(1).size());
        assertEquals(c.applied(1), c.applied(2));
        assertEquals(c.applied(1), c.applied(3));
        Payload.Command last = (Payload.Command) c.applied(2).get(50).payload();
        assertEquals("cmd-49", new String(last.data()));
    }

    @Test
    void followersRefuseProposalsAndNameTheLeader() {
        LocalCluster c = new LocalCluster(3, 3);
        Raft leader = c.electLeader();
        c.deliverAll();
        Raft follower = c.node(leader.id() == 1 ? 2 : 1);
        Proposal p = follower.propose(cmd(0));
        assertEquals(new Proposal.Refused(Refusal.NOT_LEADER, leader.id()), p);
        assertEquals(Optional.of(new Proposal.Refused(Refusal.NOT_LEADER, leader.id())), follower.read(7));
    }

    @Test
    void leaderCutOffFromItsQuorumStepsDown() {
        LocalCluster c = new LocalCluster(3, 4);
        Raft leader = c.electLeader();
        long id = leader.id();
        c.dropIf(m -> m.from() == id || m.to() == id);
        c.advanceUntil(() -> leader.role() != Role.LEADER, 1, 2 * ET);
        assertEquals(Role.FOLLOWER, leader.role());
    }

    @Test
    void followersThatHearTheLeaderRefuseToElectAnother() {
        LocalCluster c = new LocalCluster(3, 5);
        Raft leader = c.electLeader();
        long term = leader.term();
        long lonely = leader.id() == 3 ? 2 : 3;
        // The lonely follower no longer hears the leader but still reaches the third node.
        c.dropIf(m -> m.from() == leader.id() && m.to() == lonely);
        for (int i = 0; i < 50; i++) {
            c.advance(ET / 10);
        }
        assertEquals(Role.LEADER, leader.role());
        assertEquals(term, leader.term(), "pre-votes were refused, so no term was disrupted");
        assertNotEquals(Role.LEADER, c.node(lonely).role());
    }

    @Test
    void leaseReadsAreServedLocallyAndReadIndexIsUsedWithoutALease() {
        // Lease 70 of an election timeout of 100: room to be without a lease yet still leading.
        LocalCluster c = new LocalCluster(3, 6, Config.of(1).withTimeouts(100, 10, 30));
        Raft leader = c.electLeader();
        c.advance(ET / 10);
        assertTrue(leader.holdsLease());
        assertTrue(leader.read(1).isEmpty());
        c.deliverAll();
        assertEquals(List.of(new ReadState(1, leader.committed(), true)), c.reads(leader.id()));

        // Followers go quiet: the lease runs out (before CheckQuorum would end the leadership).
        long a = leader.id() == 1 ? 2 : 1;
        long b = 6 - leader.id() - a;
        c.stop(a);
        c.stop(b);
        c.advance(75);
        assertEquals(Role.LEADER, leader.role());
        assertFalse(leader.holdsLease());
        assertTrue(leader.read(2).isEmpty());
        c.deliverAll();
        assertTrue(c.reads(leader.id()).stream().noneMatch(r -> r.requestId() == 2), "needs a quorum's answer");
        c.resume(a);
        c.advanceUntil(() -> c.reads(leader.id()).size() == 2, 1, 20);
        assertEquals(new ReadState(2, leader.committed(), false), c.reads(leader.id()).get(1));
        assertEquals(Role.LEADER, leader.role());
    }

    @Test
    void aNewLeaderConfirmsReadsOnlyAfterCommittingInItsTerm() {
        LocalCluster c = new LocalCluster(3, 7);
        // Let no append or its answer through, so the new leader cannot commit its no-op.
        c.dropIf(m -> m instanceof Message.Append || m instanceof Message.AppendResponse);
        c.advanceUntil(() -> c.leader() != null, 1, 10 * ET);
        Raft leader = c.leader();
        assertTrue(leader.read(9).isEmpty());
        c.advance(ET / 10);
        assertTrue(c.reads(leader.id()).isEmpty());
        c.heal();
        c.advance(ET / 10);
        assertEquals(leader.term(), leader.termAt(leader.committed()));
        assertEquals(9, c.reads(leader.id()).get(0).requestId());
    }

    @Test
    void transfersLeadershipAndGivesUpTheLeaseFirst() {
        LocalCluster c = new LocalCluster(3, 8);
        Raft leader = c.electLeader();
        c.advance(ET / 10);
        assertTrue(leader.holdsLease());
        long target = leader.id() == 1 ? 2 : 1;
        assertTrue(leader.transferLeadership(target).isEmpty());
        assertFalse(leader.holdsLease());
        c.deliverAll();
        assertEquals(Role.LEADER, c.node(target).role());
        assertEquals(Role.FOLLOWER, leader.role());
        assertTrue(c.node(target).term() > leader.term() - 1);
    }

    @Test
    void refusesToTransferToAFollowerFarBehind() {
        LocalCluster c = new LocalCluster(3, 9, Config.of(1).withTimeouts(100, 10, 10).withMaxTransferLag(5));
        Raft leader = c.electLeader();
        long lagging = leader.id() == 3 ? 2 : 3;
        c.stop(lagging);
        for (int i = 0; i < 20; i++) {
            leader.propose(cmd(i));
        }
        c.deliverAll();
        assertEquals(Optional.of(new Proposal.Refused(Refusal.TARGET_BEHIND, leader.id())),
                leader.transferLeadership(lagging));
        assertEquals(Optional.of(new Proposal.Refused(Refusal.TARGET_NOT_VOTER, leader.id())),
                leader.transferLeadership(42));
    }

    @Test
    void addsALearnerThenPromotesItThroughJointConsensus() {
        LocalCluster c = new LocalCluster(3, 10);
        Raft leader = c.electLeader();
        c.deliverAll();
        Raft learner = c.add(4, Membership.EMPTY);
        Proposal add = leader.changeMembership(Membership.of(Set.of(1L, 2L, 3L), Set.of(4L)));
        assertInstanceOf(Proposal.Appended.class, add);
        for (int i = 0; i < 10; i++) {
            leader.propose(cmd(i));
        }
        c.deliverAll();
        c.advance(ET / 10);
        assertEquals(c.applied(1).size(), c.applied(4).size(), "the learner receives the whole log");
        assertTrue(learner.membership().learners().contains(4L));

        Proposal promote = leader.changeMembership(Membership.of(Set.of(1L, 2L, 3L, 4L), Set.of()));
        assertInstanceOf(Proposal.Appended.class, promote);
        assertTrue(leader.membership().joint(), "voters change through a joint membership");
        assertEquals(new Proposal.Refused(Refusal.MEMBERSHIP_CHANGE_PENDING, leader.id()),
                leader.changeMembership(Membership.of(Set.of(1L, 2L), Set.of())));
        c.advance(ET / 10);
        for (long id = 1; id <= 4; id++) {
            Membership m = c.node(id).membership();
            assertFalse(m.joint(), "the leader leaves the joint membership by itself");
            assertEquals(Set.of(1L, 2L, 3L, 4L), m.voters());
        }
    }

    @Test
    void aLeaderThatRemovesItselfStandsDownOnceTheChangeCommits() {
        LocalCluster c = new LocalCluster(3, 11);
        Raft leader = c.electLeader();
        c.deliverAll();
        long old = leader.id();
        List<Long> rest = List.of(1L, 2L, 3L).stream().filter(id -> id != old).toList();
        assertInstanceOf(Proposal.Appended.class, leader.changeMembership(Membership.of(rest, Set.of())));
        c.advanceUntil(() -> c.leader() != null && c.leader().id() != old, 1, 10 * ET);
        assertEquals(Role.FOLLOWER, leader.role());
        assertFalse(c.leader().membership().isVoter(old));
    }

    @Test
    void aFollowerBehindTheCompactedLogCatchesUpFromASnapshot() {
        LocalCluster c = new LocalCluster(3, 12);
        Raft leader = c.electLeader();
        long lagging = leader.id() == 3 ? 2 : 3;
        c.stop(lagging);
        for (int i = 0; i < 30; i++) {
            leader.propose(cmd(i));
        }
        c.deliverAll();
        long committed = leader.committed();
        c.storage(leader.id()).compact(new SnapshotMeta(committed, leader.termAt(committed), leader.membership()));
        c.resume(lagging);
        c.advance(ET / 10);
        assertEquals(1, c.pendingSnapshotTransfers().size());
        assertEquals(lagging, c.pendingSnapshotTransfers().get(0).to());
        c.completeSnapshotTransfers(leader.id());
        leader.propose(cmd(99));
        c.advance(ET / 10);
        assertEquals(leader.lastIndex(), c.node(lagging).lastIndex());
        assertEquals(leader.committed(), c.node(lagging).committed());
        assertEquals(committed + 1, c.node(lagging).firstIndex());
    }

    @Test
    void flowControlBoundsAppendsInFlightToASilentFollower() {
        LocalCluster c = new LocalCluster(3, 13, Config.of(1).withTimeouts(100, 10, 10).withFlowControl(2, 1 << 20, 1));
        Raft leader = c.electLeader();
        c.advance(ET / 10);
        long silent = leader.id() == 3 ? 2 : 3;
        c.dropIf(m -> m.from() == silent && m instanceof Message.AppendResponse);
        long before = c.appendsSentTo(silent);
        for (int i = 0; i < 10; i++) {
            leader.propose(cmd(i));
        }
        c.deliverAll();
        assertEquals(2, c.appendsSentTo(silent) - before, "a window of two messages of one entry each");
        assertEquals(ProgressState.REPLICATE, leader.progress().get(silent).state());
    }

    @Test
    void messagesFromAnOlderTermChangeNothingButTellTheSenderTheNewTerm() {
        LocalCluster c = new LocalCluster(3, 14);
        Raft first = c.electLeader();
        long target = first.id() == 1 ? 2 : 1;
        first.transferLeadership(target);
        c.deliverAll();
        Raft leader = c.node(target);
        assertEquals(Role.LEADER, leader.role());
        c.advance(ET / 10);
        Raft follower = c.node(6 - first.id() - target);
        long last = follower.lastIndex();
        long staleTerm = leader.term() - 1;
        follower.step(new Message.Append(first.id(), follower.id(), staleTerm, last, follower.termAt(last),
                List.of(new Entry(staleTerm, last + 1, new Payload.Noop())), last + 1, 1));
        assertEquals(last, follower.lastIndex());
        assertEquals(leader.id(), follower.leader());
        Ready r = follower.ready();
        Message.AppendResponse answer = (Message.AppendResponse) r.messages().get(0);
        assertEquals(leader.term(), answer.term());
        assertEquals(first.id(), answer.to());
        follower.advance(r);
    }

    @Test
    void conflictingFollowerLogIsRepairedWithFewRoundTrips() {
        LocalCluster c = new LocalCluster(3, 15, Config.of(1).withTimeouts(100, 10, 10).withFlowControl(256, 1 << 20, 1 << 20));
        Raft first = c.electLeader();
        c.deliverAll();
        // The first leader writes 100 entries that reach nobody, then loses leadership.
        c.dropIf(m -> m.from() == first.id());
        for (int i = 0; i < 100; i++) {
            first.propose(cmd(i));
        }
        c.deliverAll();
        c.stop(first.id());
        c.advanceUntil(() -> c.leader() != null && c.leader() != first, 1, 10 * ET);
        c.heal();
        Raft second = c.leader();
        second.propose(cmd(1000));
        c.deliverAll();
        long before = c.appendsSentTo(first.id());
        c.resume(first.id());
        c.advance(ET / 10);
        assertEquals(second.lastIndex(), first.lastIndex());
        assertEquals(second.termAt(second.lastIndex()), first.termAt(first.lastIndex()));
        assertTrue(c.appendsSentTo(first.id()) - before <= 4,
                "one rejection skips the whole conflicting term: " + (c.appendsSentTo(first.id()) - before));
    }
}
