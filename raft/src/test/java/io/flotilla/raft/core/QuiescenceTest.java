package io.flotilla.raft.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Idle groups stop heartbeating and wake safely: scenario tests of the core (see docs/idle-groups.md). */
class QuiescenceTest {

    private static final long ET = 100;

    private static LocalCluster quiescedGroup(long seed) {
        LocalCluster c = LocalCluster.quiescent(3, seed);
        c.electLeader();
        c.advanceUntil(() -> allQuiesced(c), 1, 10 * ET);
        return c;
    }

    private static boolean allQuiesced(LocalCluster c) {
        for (long id = 1; id <= 3; id++) {
            if (!c.node(id).quiesced()) {
                return false;
            }
        }
        return true;
    }

    @Test
    void anIdleGroupQuiescesAndThenSendsNothingAndArmsNoTimer() {
        LocalCluster c = quiescedGroup(1);
        for (long id = 1; id <= 3; id++) {
            assertEquals(Long.MAX_VALUE, c.node(id).nextTimerAt(), "node " + id + " still has a timer");
        }
        long sent = c.messagesSent();
        long term = c.leader().term();
        c.advance(50 * ET);
        assertEquals(sent, c.messagesSent(), "a quiesced group sent messages");
        assertEquals(term, c.leader().term());
    }

    @Test
    void groupsWithoutLivenessNeverQuiesce() {
        LocalCluster c = new LocalCluster(3, 2);
        c.electLeader();
        long sent = c.messagesSent();
        c.advance(10 * ET);
        for (long id = 1; id <= 3; id++) {
            assertFalse(c.node(id).quiesced());
        }
        assertTrue(c.messagesSent() > sent, "an idle group without liveness keeps heartbeating");
    }

    @Test
    void aProposalWakesTheGroupCommitsAndTheGroupQuiescesAgain() {
        LocalCluster c = quiescedGroup(3);
        Raft leader = c.leader();
        assertInstanceOf(Proposal.Appended.class, leader.propose("x".getBytes()));
        assertFalse(leader.quiesced());
        c.deliverAll();
        for (long id = 1; id <= 3; id++) {
            assertEquals(leader.lastIndex(), c.node(id).committed(), "node " + id);
        }
        c.advanceUntil(() -> allQuiesced(c), 1, 10 * ET);
    }

    @Test
    void aReadOnAQuiescedLeaderIsConfirmedByAFreshRoundNotByAStaleLease() {
        LocalCluster c = quiescedGroup(4);
        Raft leader = c.leader();
        c.advance(5 * ET);
        assertFalse(leader.holdsLease(), "no rounds went out while quiesced: the lease must have lapsed");
        assertTrue(leader.read(42).isEmpty());
        c.deliverAll();
        ReadState rs = c.reads(leader.id()).get(c.reads(leader.id()).size() - 1);
        assertEquals(42, rs.requestId());
        assertFalse(rs.lease(), "confirmed by a quorum round (ReadIndex), not by the stale lease");
    }

    @Test
    void aFollowerThatMissedTheQuiesceCannotDisruptTheGroup() {
        LocalCluster c = LocalCluster.quiescent(3, 5);
        Raft leader = c.electLeader();
        long stray = leader.id() == 3 ? 2 : 3;
        c.dropIf(m -> m instanceof Message.Heartbeat h && h.quiesce() && h.to() == stray);
        c.advanceUntil(() -> leader.quiesced(), 1, 10 * ET);
        assertFalse(c.node(stray).quiesced());
        c.heal();
        long term = leader.term();
        // The stray follower times out and campaigns: its pre-vote wakes the leader, whose heartbeat
        // brings it back; the other follower, quiesced under a live leader, refuses without waking.
        c.advanceUntil(() -> allQuiesced(c), 1, 20 * ET);
        assertEquals(term, leader.term());
        assertEquals(Role.LEADER, leader.role());
    }

    @Test
    void quiescedFollowersOfAFailedLeaderElectAnotherOnceWoken() {
        LocalCluster c = quiescedGroup(6);
        Raft old = c.leader();
        c.stop(old.id());
        c.advance(20 * ET);
        assertEquals(null, c.leader(), "quiesced followers do not campaign by themselves");
        // What the host does when the old leader's node stops being live.
        for (long id = 1; id <= 3; id++) {
            if (id != old.id()) {
                c.node(id).wake();
            }
        }
        c.advanceUntil(() -> c.leader() != null, 1, 10 * ET);
        assertNotEquals(old.id(), c.leader().id());
        assertTrue(c.leader().term() > old.term());
    }

    @Test
    void aRestartedLeaderThatCampaignsWakesItsQuiescedFollowers() {
        LocalCluster c = quiescedGroup(7);
        Raft old = c.leader();
        long term = old.term();
        // Restarted before its node's liveness lapsed: the followers still think it leads.
        c.restart(old.id());
        c.advanceUntil(() -> c.leader() != null && c.leader().term() > term, 1, 20 * ET);
    }

    @Test
    void aQuiescedFollowerRefusesAnotherCandidateWhileTheLeaderNodeIsLive() {
        LocalCluster c = quiescedGroup(8);
        Raft leader = c.leader();
        long follower = leader.id() == 1 ? 2 : 1;
        long candidate = 6 - leader.id() - follower;
        Raft f = c.node(follower);
        f.step(new Message.VoteRequest(candidate, follower, leader.term() + 1, true, leader.lastIndex() + 5,
                leader.term(), false));
        assertTrue(f.quiesced(), "a vote request from a non-leader must not wake a follower whose leader is live");
        assertFalse(f.ready().messages().stream().anyMatch(m -> m instanceof Message.VoteResponse r && r.granted()));
    }
}
