package io.flotilla.raft.core;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MembershipTest {

    @Test
    void quorumValueIsWhatAMajorityHasReached() {
        Membership m = Membership.of(Set.of(1L, 2L, 3L, 4L, 5L), Set.of(6L));
        Map<Long, Long> match = Map.of(1L, 10L, 2L, 7L, 3L, 9L, 4L, 1L, 5L, 2L, 6L, 100L);
        assertEquals(7, m.quorumValue(match::get));
    }

    @Test
    void jointConsensusNeedsBothHalves() {
        Membership old = Membership.of(Set.of(1L, 2L, 3L), Set.of());
        Membership joint = old.enterJoint(Membership.of(Set.of(3L, 4L, 5L), Set.of()));
        Map<Long, Long> match = Map.of(1L, 9L, 2L, 9L, 3L, 9L, 4L, 2L, 5L, 1L);
        assertEquals(2, joint.quorumValue(match::get), "the new half holds it back");
        assertEquals(VoteTally.PENDING, joint.tally(id -> id <= 3, id -> false));
        assertEquals(VoteTally.WON, joint.tally(id -> id <= 4, id -> false));
        assertEquals(VoteTally.LOST, joint.tally(id -> id <= 3, id -> id >= 4));
        assertEquals(Set.of(3L, 4L, 5L), joint.leaveJoint().voters());
    }

    @Test
    void aNodeCannotBeBothVoterAndLearner() {
        assertThrows(IllegalArgumentException.class, () -> Membership.of(Set.of(1L, 2L), Set.of(2L)));
        assertThrows(IllegalArgumentException.class,
                () -> new Membership(new TreeSet<>(Set.of(1L)), new TreeSet<>(Set.of(2L)), new TreeSet<>(Set.of(2L))));
        assertThrows(IllegalArgumentException.class, () -> Membership.of(Set.of(0L), Set.of()));
    }
}
