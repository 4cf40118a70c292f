package io.flotilla.raft.core;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.LongPredicate;
import java.util.function.LongUnaryOperator;

/**
 * The members of a group. While {@code outgoing} is non-empty the group is in joint consensus:
 * elections and commitment need a majority of {@code voters} and, separately, of {@code outgoing}.
 * Learners receive the log but are never counted. Sets are sorted so that iteration, and with it
 * everything the core sends, is deterministic.
 */
public record Membership(SortedSet<Long> voters, SortedSet<Long> outgoing, SortedSet<Long> learners) {

    public static final Membership EMPTY = of(Collections.emptySet(), Collections.emptySet());

    public Membership {
        voters = frozen(voters);
        outgoing = frozen(outgoing);
        learners = frozen(learners);
        for (long id : learners) {
            if (voters.contains(id) || outgoing.contains(id)) {
                throw new IllegalArgumentException("node " + id + " cannot be a voter and a learner");
            }
        }
        for (SortedSet<Long> set : List.of(voters, outgoing, learners)) {
            set.forEach(NodeIds::requireValid);
        }
    }

    public static Membership of(Collection<Long> voters, Collection<Long> learners) {
        return new Membership(new TreeSet<>(voters), new TreeSet<>(), new TreeSet<>(learners));
    }

    public boolean joint() {
        return !outgoing.isEmpty();
    }

    public boolean isVoter(long id) {
        return voters.contains(id) || outgoing.contains(id);
    }

    public boolean contains(long id) {
        return isVoter(id) || learners.contains(id);
    }

    /** Every member, voters of both halves and learners, in ascending order. */
    public SortedSet<Long> all() {
        TreeSet<Long> all = new TreeSet<>(voters);
        all.addAll(outgoing);
        all.addAll(learners);
        return Collections.unmodifiableSortedSet(all);
    }

    /** The joint membership that moves from this (simple) membership to the target one. */
    public Membership enterJoint(Membership target) {
        if (joint() || target.joint()) {
            throw new IllegalStateException("already in joint consensus");
        }
        return new Membership(target.voters, voters, target.learners);
    }

    /** The simple membership that a joint one ends in. */
    public Membership leaveJoint() {
        return new Membership(voters, new TreeSet<>(), learners);
    }

    /**
     * The largest value that a quorum has reached, given each voter's value: for commitment that is
     * the match index, for leases the acknowledged heartbeat round. In joint consensus both halves
     * must agree, so the smaller of the two wins.
     */
    public long quorumValue(LongUnaryOperator valueOf) {
        long incoming = majorityValue(voters, valueOf);
        return joint() ? Math.min(incoming, majorityValue(outgoing, valueOf)) : incoming;
    }

    /** The outcome of an election given the votes received so far. */
    public VoteTally tally(LongPredicate granted, LongPredicate rejected) {
        VoteTally incoming = tally(voters, granted, rejected);
        if (!joint()) {
            return incoming;
        }
        VoteTally out = tally(outgoing, granted, rejected);
        if (incoming == VoteTally.LOST || out == VoteTally.LOST) {
            return VoteTally.LOST;
        }
        return incoming == VoteTally.WON && out == VoteTally.WON ? VoteTally.WON : VoteTally.PENDING;
    }

    private static VoteTally tally(SortedSet<Long> config, LongPredicate granted, LongPredicate rejected) {
        if (config.isEmpty()) {
            return VoteTally.WON;
        }
        int yes = 0;
        int no = 0;
        for (long id : config) {
            if (granted.test(id)) {
                yes++;
            } else if (rejected.test(id)) {
                no++;
            }
        }
        int majority = config.size() / 2 + 1;
        if (yes >= majority) {
            return VoteTally.WON;
        }
        return config.size() - no < majority ? VoteTally.LOST : VoteTally.PENDING;
    }

    private static long majorityValue(SortedSet<Long> config, LongUnaryOperator valueOf) {
        if (config.isEmpty()) {
            // An empty half never holds anything back (a group with no voters commits nothing anyway).
            return Long.MAX_VALUE;
        }
        long[] values = new long[config.size()];
        int i = 0;
        for (long id : config) {
            values[i++] = valueOf.applyAsLong(id);
        }
        java.util.Arrays.sort(values);
        // values ascending: the element a majority is at or above.
        return values[values.length - (values.length / 2 + 1)];
    }

    private static SortedSet<Long> frozen(SortedSet<Long> set) {
        return Collections.unmodifiableSortedSet(new TreeSet<>(set));
    }
}
