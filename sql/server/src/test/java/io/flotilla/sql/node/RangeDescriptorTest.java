package io.flotilla.sql.node;

import io.flotilla.statemachine.keys.Key;
import io.flotilla.statemachine.keys.KeyEncoding;
import io.flotilla.statemachine.keys.KeySpan;
import io.flotilla.statemachine.range.RangeBounds;

import org.junit.jupiter.api.Test;

import java.util.SortedSet;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a descriptor takes new members, and how key spans place tables. */
class RangeDescriptorTest {

    private static final RangeDescriptor DATA = RangeDescriptor.of(new RangeBounds(Node.DATA_RANGE, KeySpan.ALL_TABLES, 1),
            ids(1, 2, 3), ids(), 0);

    @Test
    void onlyALaterMembershipEntryIsRecordedAndMembersLeaveTheGenerationAlone() {
        RangeDescriptor learner = DATA.withMembers(ids(1, 2, 3), ids(4), 17);
        assertEquals(1, learner.generation(), "the generation counts changes of span only");
        assertEquals(ids(4), learner.learners());
        assertEquals(17, learner.membershipIndex());

        assertSame(learner, learner.withMembers(ids(1, 2, 3), ids(), 9),
                "a replica that is behind does not put the older members back");
        assertSame(learner, learner.withMembers(ids(1, 2, 3, 4), ids(), 17), "nor does the same entry again");

        RangeDescriptor same = learner.withMembers(ids(1, 2, 3), ids(4), 20);
        assertEquals(20, same.membershipIndex());

        RangeDescriptor voter = same.withMembers(ids(1, 2, 3, 4), ids(), 25);
        assertEquals(1, voter.generation());
        assertEquals(ids(1, 2, 3, 4), voter.voters());
        assertEquals(DATA.span(), voter.span());
        assertEquals(DATA.schemaIndex(), voter.schemaIndex());
    }

    @Test
    void theRangesOwnBoundsOfALaterGenerationReplaceTheSpan() {
        KeySpan left = new KeySpan(KeySpan.ALL_TABLES.start(), KeySpan.ofTable(2).start());
        RangeDescriptor split = DATA.withBounds(new RangeBounds(Node.DATA_RANGE, left, 2));
        assertEquals(left, split.span());
        assertEquals(2, split.generation());
        assertSame(split, split.withBounds(new RangeBounds(Node.DATA_RANGE, KeySpan.ALL_TABLES, 1)),
                "an older generation does not put the old span back");
        RangeDescriptor made = RangeDescriptor.of(new RangeBounds(3, new KeySpan(KeySpan.ofTable(2).start(), null), 2),
                ids(1, 2, 3), ids(), 5);
        assertEquals(RangeDescriptor.DATA, made.name());
        assertEquals(split.span().end(), made.span().start(), "the halves meet");
    }

    @Test
    void theInitialSpansTileTheKeySpaceAndEachTableHasAContiguousSpanOfItsOwn() {
        RangeDescriptor meta = RangeDescriptor.of(new RangeBounds(Node.META_RANGE, KeySpan.META, 1), ids(1), ids(), 0);
        Key table = KeySpan.ofTable(KeySpan.FIRST_TABLE_ID).start();
        assertTrue(DATA.span().contains(table));
        assertFalse(meta.span().contains(table));
        Key metaKey = KeyEncoding.tablePrefix(0);
        assertTrue(meta.span().contains(metaKey), "the meta range's own keys sort before every table's");
        assertFalse(DATA.span().contains(metaKey));
        assertEquals(meta.span().end(), DATA.span().start(), "no gap between the two ranges");

        for (long id : new long[] {1, 2, 255, 256, 65_536}) {
            KeySpan span = KeySpan.ofTable(id);
            KeySpan next = KeySpan.ofTable(id + 1);
            assertTrue(span.end().compareTo(next.start()) <= 0, "table " + id + "'s keys end before the next table's");
            assertTrue(DATA.span().contains(span.start()));
        }

        assertThrows(IllegalArgumentException.class, () -> new KeySpan(KeySpan.ofTable(2).start(), KeySpan.ofTable(1).start()));
    }

    private static SortedSet<Long> ids(long... ids) {
        SortedSet<Long> out = new TreeSet<>();
        for (long id : ids) {
            out.add(id);
        }
        return out;
    }
}
