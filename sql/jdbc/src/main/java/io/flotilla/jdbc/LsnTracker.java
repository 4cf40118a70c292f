package io.flotilla.jdbc;

import io.flotilla.protocol.Lsn;
import java.util.HashMap;
import java.util.Map;

/**
 * The highest LSN a session has seen per range, so that session-consistent reads on any replica
 * never go back in time, even after the connection moved to another node.
 */
final class LsnTracker {
    private final Map<Long, Long> highest = new HashMap<>();
    /** The range whose token advanced last: the one a session read most likely depends on. */
    private Lsn latest;

    synchronized void observe(Lsn lsn) {
        if (lsn == null || lsn.getIndex() == 0) {
            return;
        }
        Long known = highest.get(lsn.getRange());
        if (known == null || lsn.getIndex() > known) {
            highest.put(lsn.getRange(), lsn.getIndex());
            latest = lsn;
        }
    }

    /** The highest index seen for the range, 0 if none. */
    synchronized long highest(long range) {
        return highest.getOrDefault(range, 0L);
    }

    /**
     * The token to send as Consistency.min_lsn. The protocol carries one LSN per request, so with
     * several ranges this is the range that advanced last (exact while there is one data range).
     */
    synchronized Lsn latest() {
        return latest;
    }

    /**
     * What a session read must have applied: the later of this session's {@link #latest} and
     * {@code given}, a token the statement carries itself (lsn:&lt;token&gt;; index 0 for none); null
     * if neither says anything.
     */
    synchronized Lsn atLeast(Lsn given) {
        boolean stated = given.getIndex() > 0;
        if (latest == null) {
            return stated ? given : null;
        }
        return stated && given.getRange() == latest.getRange() && given.getIndex() > latest.getIndex() ? given : latest;
    }
}
