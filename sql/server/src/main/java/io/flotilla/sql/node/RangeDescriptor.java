package io.flotilla.sql.node;

import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.range.RangeBounds;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the meta range records of one range: its id, its role ({@value #META} or {@value #DATA}),
 * the keys it covers and their generation (as the range's own bounds have them), and its members
 * as last recorded.
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
     * The first record of a range, from the range's own bounds (its replica's {@code
     * FLOTILLA.RANGE_BOUNDS}, the truth this record indexes) and its settled members.
     */
    static RangeDescriptor of(RangeBounds bounds, SortedSet<Long> voters, SortedSet<Long> learners, long membershipIndex) {
        return new RangeDescriptor(bounds.range(), bounds.range() == Node.META_RANGE ? META : DATA, bounds.span(),
                bounds.generation(), voters, learners, membershipIndex, 0);
    }

    /**
     * This descriptor with the members a later membership entry set; the same descriptor when the
     * entry is not later than the one recorded. Members do not move the generation, which counts
     * changes of span only (routing depends on nothing else): the membership index versions them.
     */
    RangeDescriptor withMembers(SortedSet<Long> newVoters, SortedSet<Long> newLearners, long index) {
        if (index <= membershipIndex) {
            return this;
        }
        return new RangeDescriptor(range, name, span, generation, newVoters, newLearners, index, schemaIndex);
    }

    /** This descriptor with the span of the range's own bounds, where those are of a later generation (a split). */
    RangeDescriptor withBounds(RangeBounds bounds) {
        if (bounds.generation() <= generation) {
            return this;
        }
        return new RangeDescriptor(range, name, bounds.span(), bounds.generation(), voters, learners, membershipIndex,
                schemaIndex);
    }

    /** This descriptor, with the catalog reflecting the range's schema as of {@code index}. */
    RangeDescriptor withSchemaIndex(long index) {
        return new RangeDescriptor(range, name, span, generation, voters, learners, membershipIndex, index);
    }

    public boolean holdsData() {
        return DATA.equals(name);
    }
}
