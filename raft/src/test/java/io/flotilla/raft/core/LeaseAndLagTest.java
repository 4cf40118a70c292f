package io.flotilla.raft.core;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the core tells a host for its status views: how long the lease has left, and lag in bytes. */
class LeaseAndLagTest {

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 7);
        return b;
    }

    @Test
    void theLeaseRemainingCountsDownOnTheCoresClockAndIsEmptyWithoutALease() {
        // Election timeout 100, clock drift 30: a lease of 70 after the round that renewed it.
        LocalCluster c = new LocalCluster(3, 11, Config.of(1).withTimeouts(100, 10, 30));
        Raft leader = c.electLeader();
        c.advance(10);
        OptionalLong remaining = leader.leaseRemaining();
        assertTrue(remaining.isPresent());
        assertTrue(remaining.getAsLong() > 0 && remaining.getAsLong() <= 70, "at most the lease duration: " + remaining);
        assertEquals(leader.holdsLease(), remaining.isPresent());
        Raft follower = c.node(leader.id() == 1 ? 2 : 1);
        assertEquals(OptionalLong.empty(), follower.leaseRemaining(), "only a leader holds a lease");

        long a = leader.id() == 1 ? 2 : 1;
        long b = 6 - leader.id() - a;
        c.stop(a);
        c.stop(b);
        long before = leader.leaseRemaining().getAsLong();
        c.advance(5);
        assertEquals(before - 5, leader.leaseRemaining().getAsLong(), "no round was answered: it only counts down");
        c.advance(70);
        assertEquals(Role.LEADER, leader.role());
        assertFalse(leader.holdsLease());
        assertEquals(OptionalLong.empty(), leader.leaseRemaining());
    }

    @Test
    void payloadBytesAfterAMatchAreWhatThatReplicaLacks() {
        LocalCluster c = new LocalCluster(3, 12);
        Raft leader = c.electLeader();
        c.advance(10);
        long behind = leader.id() == 1 ? 2 : 1;
        long current = 6 - leader.id() - behind;
        c.stop(behind);
        for (int i = 0; i < 5; i++) {
            leader.propose(bytes(100));
        }
        c.deliverAll();
        c.advance(10);
        long lagging = leader.progress().get(behind).match();
        long caughtUp = leader.progress().get(current).match();
        assertEquals(5, leader.lastIndex() - lagging);
        assertEquals(500, leader.payloadBytesAfter(lagging), "five commands of 100 bytes");
        assertEquals(leader.lastIndex(), caughtUp);
        assertEquals(0, leader.payloadBytesAfter(caughtUp));

        // Entries compacted away are no longer held: only what the log still has counts.
        c.compactAll();
        assertTrue(leader.firstIndex() > lagging + 1);
        leader.propose(bytes(40));
        c.deliverAll();
        assertEquals(40, leader.payloadBytesAfter(lagging));
    }
}
