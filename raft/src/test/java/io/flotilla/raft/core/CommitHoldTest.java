package io.flotilla.raft.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A leader's commit hold (the cut across ranges that keep changing): while held, entries replicate
 * but nothing beyond the held index commits or applies on any replica; released, or lapsed, or
 * with leadership gone, commitment goes on.
 */
class CommitHoldTest {

    private static final byte[] COMMAND = {1, 2, 3};

    @Test
    void nothingCommitsAnywhereWhileHeldAndEverythingDoesOnceReleased() {
        LocalCluster c = new LocalCluster(3, 21);
        Raft leader = c.electLeader();
        leader.propose(COMMAND);
        c.deliverAll();
        c.advance(10);
        long before = leader.committed();
        int appliedBefore = c.applied(2).size();

        CommitHold.Held hold = assertInstanceOf(CommitHold.Held.class, leader.holdCommits(1_000));
        assertEquals(before, hold.index());
        for (int i = 0; i < 3; i++) {
            leader.propose(COMMAND);
        }
        c.deliverAll();
        advanceInSteps(c, 30);
        assertEquals(before, leader.committed(), "the leader commits nothing while held");
        for (long id = 1; id <= 3; id++) {
            assertEquals(before, c.node(id).committed(), "node " + id + " learns no newer commit");
            assertEquals(before + 3, c.node(id).lastIndex(), "the entries still replicate to node " + id);
        }
        assertEquals(appliedBefore, c.applied(2).size(), "no replica applies past the hold");

        leader.releaseCommits(hold.term(), hold.id());
        c.deliverAll();
        c.advance(30);
        for (long id = 1; id <= 3; id++) {
            assertEquals(before + 3, c.node(id).committed(), "node " + id + " commits once released");
        }
    }

    /** Time passing in heartbeat-sized steps, so that the leader keeps its quorum contact. */
    private static void advanceInSteps(LocalCluster c, long duration) {
        for (long passed = 0; passed < duration; passed += 10) {
            c.advance(10);
        }
    }

    @Test
    void aHoldLapsesAtItsDeadlineAndHoldsOverlap() {
        LocalCluster c = new LocalCluster(3, 22);
        Raft leader = c.electLeader();
        c.advance(10);
        long before = leader.committed();
        CommitHold.Held first = assertInstanceOf(CommitHold.Held.class, leader.holdCommits(50));
        CommitHold.Held second = assertInstanceOf(CommitHold.Held.class, leader.holdCommits(200));
        assertEquals(first.index(), second.index(), "a second hold keeps the first one's index");
        leader.propose(COMMAND);
        c.deliverAll();
        leader.releaseCommits(first.term() + 1, first.id());
        leader.releaseCommits(first.term(), first.id());
        advanceInSteps(c, 100);
        assertEquals(Role.LEADER, leader.role());
        assertEquals(before, leader.committed(), "the second hold is still in force");
        advanceInSteps(c, 150);
        assertEquals(before + 1, leader.committed(), "the second hold lapsed by itself");
    }

    @Test
    void onlyALeaderHoldsAndANewLeaderIsNotHeld() {
        LocalCluster c = new LocalCluster(3, 23);
        Raft leader = c.electLeader();
        c.advance(10);
        Raft follower = c.node(leader.id() == 1 ? 2 : 1);
        assertInstanceOf(CommitHold.Refused.class, follower.holdCommits(1_000));

        assertInstanceOf(CommitHold.Held.class, leader.holdCommits(10_000));
        c.stop(leader.id());
        c.advanceUntil(() -> c.leader() != null, 1, 10_000);
        Raft next = c.leader();
        assertTrue(next.id() != leader.id());
        long before = next.committed();
        next.propose(COMMAND);
        c.deliverAll();
        c.advance(30);
        assertEquals(before + 1, next.committed(), "the old leader's hold does not reach its successor");
    }
}
