package io.flotilla.sql.node;

import io.flotilla.statemachine.range.TableName;

import org.junit.jupiter.api.Test;

import java.util.SortedSet;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a descriptor takes new members, and how key spans place tables. */
class RangeDescriptorTest {

    private static final RangeDescriptor DATA = RangeDescriptor.initial(Node.DATA_RANGE, ids(1, 2, 3), ids(), 0);

    @Test
    void onlyALaterMembershipEntryIsRecordedAndOnlyAChangeOfMembersMovesTheGeneration() {
        RangeDescriptor learner = DATA.withMembers(ids(1, 2, 3), ids(4), 17);
        assertEquals(2, learner.generation());
        assertEquals(ids(4), learner.learners());
        assertEquals(17, learner.membershipIndex());

        assertSame(learner, learner.withMembers(ids(1, 2, 3), ids(), 9),
                "a replica that is behind does not put the older members back");
        assertSame(learner, learner.withMembers(ids(1, 2, 3, 4), ids(), 17), "nor does the same entry again");

        RangeDescriptor same = learner.withMembers(ids(1, 2, 3), ids(4), 20);
        assertEquals(2, same.generation(), "a later entry with the same members is no new generation");
        assertEquals(20, same.membershipIndex());

        RangeDescriptor voter = same.withMembers(ids(1, 2, 3, 4), ids(), 25);
        assertEquals(3, voter.generation());
        assertEquals(DATA.span(), voter.span());
        assertEquals(DATA.schemaIndex(), voter.schemaIndex());
    }

    @Test
    void theInitialSpansTileTheKeySpaceAndEachTableHasAContiguousPrefixOfItsOwn() {
        RangeDescriptor meta = RangeDescriptor.initial(Node.META_RANGE, ids(1), ids(), 0);
        String table = KeySpan.tableStart(new TableName("PUBLIC", "ORDERS"));
        assertTrue(DATA.span().contains(table));
        assertFalse(meta.span().contains(table));
        assertTrue(meta.span().contains("/meta/NODES/1"));
        assertFalse(DATA.span().contains("/meta/NODES/1"));
        assertEquals(meta.span().end(), DATA.span().start(), "no gap between the two ranges");

        String slashInTable = KeySpan.tableStart(new TableName("S", "A/B"));
        String slashInSchema = KeySpan.tableStart(new TableName("S/A", "B"));
        assertNotEquals(slashInTable, slashInSchema);
        assertFalse(slashInTable.startsWith(slashInSchema) || slashInSchema.startsWith(slashInTable));
        assertFalse(KeySpan.tableStart(new TableName("S", "AB")).startsWith(KeySpan.tableStart(new TableName("S", "A"))),
                "one table's keys never fall among another's");

        assertThrows(IllegalArgumentException.class, () -> new KeySpan("/table/b", "/table/a"));
        assertThrows(IllegalArgumentException.class, () -> RangeDescriptor.initial(3, ids(1), ids(), 0));
    }

    private static SortedSet<Long> ids(long... ids) {
        SortedSet<Long> out = new TreeSet<>();
        for (long id : ids) {
            out.add(id);
        }
        return out;
    }
}
