package io.flotilla.jdbc;

import io.flotilla.protocol.Lsn;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LsnTrackerTest {

    private static Lsn lsn(long range, long index) {
        return Lsn.newBuilder().setRange(range).setIndex(index).build();
    }

    private static final Lsn NONE = Lsn.getDefaultInstance();

    @Test
    void aSessionReadWaitsForTheLaterOfTheSessionsTokenAndTheStatements() {
        LsnTracker lsns = new LsnTracker();
        assertNull(lsns.atLeast(NONE), "nothing seen, nothing given");
        assertEquals(lsn(2, 7), lsns.atLeast(lsn(2, 7)), "only the statement's token");
        lsns.observe(lsn(2, 10));
        assertEquals(lsn(2, 10), lsns.atLeast(NONE));
        assertEquals(lsn(2, 10), lsns.atLeast(lsn(2, 7)), "an older token does not take the session back");
        assertEquals(lsn(2, 12), lsns.atLeast(lsn(2, 12)));
        lsns.observe(lsn(2, 9));
        assertEquals(lsn(2, 10), lsns.atLeast(NONE), "the highest seen stays");
    }
}
