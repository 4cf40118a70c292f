package io.flotilla.sql.node;

import io.flotilla.statemachine.keys.KeySpan;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the meta range records of one range: its id, its role ({@value #META} or {@value #DATA}),
 * the keys it covers, a generation bumped by every change of span or members, and its members as
 * last recorded.
 *
 * @param membershipIndex the log index (in the range's own log) of the entry that set the members
 *        recorded here: a later record of members must come from a later entry, so a replica that
 *        is behind can never put back an older membership
 * @param schemaIndex the index (in the range's own log) of the range's last schema change that the
 *        catalog reflects; 0 for the meta range, whose own tables the catalog does not list
 */
public record RangeDescriptor(long range, String name, KeySpan span, long generation, SortedSet<Long> voters,
                              SortedSet<Long> learners, long membershipIndex, long schemaIndex) {

    public static final String META = "meta";
    public static final String DATA = "data";

    public RangeDescriptor {
        voters = Collections.unmodifiableSortedSet(new TreeSet<>(voters));
        learners = Collections.unmodifiableSortedSet(new TreeSet<>(learners));
        if (generation <= 0) {
            throw new IllegalArgumentException("range " + range + ": generations start at 1");
        }
    }

    /**
     * The first record of a range of the cluster's initial layout, from the range's own bounds
     * (its replica's {@code FLOTILLA.RANGE_BOUNDS}, the truth this record indexes): generation 1.
     */
    static RangeDescriptor initial(long range, KeySpan span, SortedSet<Long> voters, SortedSet<Long> learners,
                                   long membershipIndex) {
        if (range == Node.META_RANGE) {
            return new RangeDescriptor(range, META, span, 1, voters, learners, membershipIndex, 0);
        }
        if (range == Node.DATA_RANGE) {
            return new RangeDescriptor(range, DATA, span, 1, voters, learners, membershipIndex, 0);
        }
        throw new IllegalArgumentException("range " + range + " is not in the cluster's initial layout");
    }

    /**
     * This descriptor with the members a later membership entry set; the same descriptor when the
     * entry is not later than the one recorded. The generation moves only if the members differ.
     */
    RangeDescriptor withMembers(SortedSet<Long> newVoters, SortedSet<Long> newLearners, long index) {
        if (index <= membershipIndex) {
            return this;
        }
        boolean changed = !voters.equals(newVoters) || !learners.equals(newLearners);
        return new RangeDescriptor(range, name, span, changed ? generation + 1 : generation, newVoters, newLearners,
                index, schemaIndex);
    }

    /** This descriptor, with the catalog reflecting the range's schema as of {@code index}. */
    RangeDescriptor withSchemaIndex(long index) {
        return new RangeDescriptor(range, name, span, generation, voters, learners, membershipIndex, index);
    }

    public boolean holdsData() {
        return DATA.equals(name);
    }
}
