package io.flotilla.raft.sim;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.core.Raft;
import io.flotilla.raft.core.Role;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Checks Raft's safety properties (Raft paper, figure 3) as the simulation runs:
 * <ul>
 *   <li>election safety: at most one leader per term;</li>
 *   <li>leader append-only: a leader never truncates its log;</li>
 *   <li>log matching: two logs with an entry of the same index and term agree up to it (checked
 *       with a hash of the log up to each persisted entry);</li>
 *   <li>leader completeness: a new leader holds every entry committed in earlier terms;</li>
 *   <li>state machine safety: no two replicas apply different entries at one index;</li>
 *   <li>lease exclusivity: while a leader holds a lease (and would serve reads locally), no
 *       leader of a later term exists. The simulator sees all nodes at one real instant, so it can
 *       check this directly rather than wait for a stale read to surface in a client history.</li>
 * </ul>
 */
final class Oracle {

    private record Slot(long index, long term) {
    }

    private record Applied(long term, int payloadHash) {
    }

    private record LeaderView(long term, long lastIndex, long lastTerm) {
    }

    private final Map<Long, Long> leaderOfTerm = new HashMap<>();
    private final Map<Slot, Long> chainOfSlot = new HashMap<>();
    private final TreeMap<Long, Applied> applied = new TreeMap<>();
    private final Map<Long, LeaderView> leaders = new HashMap<>();
    private Violation violation;
    private long step;
    private long time;

    static long chain(long previous, Entry e) {
        long h = previous * 0x9E3779B97F4A7C15L + e.index();
        h = h * 31 + e.term();
        h = h * 31 + payloadHash(e.payload());
        return h ^ (h >>> 29);
    }

    private static int payloadHash(Payload p) {
        return p instanceof Payload.Command c ? java.util.Arrays.hashCode(c.unsafeData()) : p.hashCode();
    }

    void at(long step, long time) {
        this.step = step;
        this.time = time;
    }

    Violation violation() {
        return violation;
    }

    void fail(String property, String detail) {
        if (violation == null) {
            violation = new Violation(property, detail, step, time);
        }
    }

    /** Log matching, checked for every entry a node makes durable. */
    void persisted(long node, Entry e, long chainHash) {
        Long seen = chainOfSlot.putIfAbsent(new Slot(e.index(), e.term()), chainHash);
        if (seen != null && seen != chainHash) {
            fail("log matching", "node " + node + " holds entry " + e.index() + "/" + e.term()
                    + " with a different log before it than another node");
        }
    }

    /** State machine safety, checked for every entry a node applies. */
    void applied(long node, Entry e) {
        Applied now = new Applied(e.term(), payloadHash(e.payload()));
        Applied before = applied.putIfAbsent(e.index(), now);
        if (before != null && !before.equals(now)) {
            fail("state machine safety", "node " + node + " applied " + e.index() + "/" + e.term()
                    + " but another node applied " + e.index() + "/" + before.term());
        }
    }

    /** Election safety, leader append-only and leader completeness, checked after every step. */
    void observe(long node, Raft raft) {
        if (raft.role() != Role.LEADER) {
            leaders.remove(node);
            return;
        }
        long term = raft.term();
        Long other = leaderOfTerm.putIfAbsent(term, node);
        if (other != null && other != node) {
            fail("election safety", "nodes " + other + " and " + node + " both led term " + term);
        }
        LeaderView before = leaders.get(node);
        LeaderView now = new LeaderView(term, raft.lastIndex(), raft.termAt(raft.lastIndex()));
        if (before == null || before.term() != term) {
            checkCompleteness(node, raft);
        } else {
            long termThen = raft.termAt(before.lastIndex());
            if (raft.lastIndex() < before.lastIndex()
                    || (termThen != -1 && termThen != before.lastTerm())) {
                fail("leader append-only", "leader " + node + " of term " + term + " replaced entries at or below "
                        + before.lastIndex());
            }
        }
        leaders.put(node, now);
    }

    /** Lease exclusivity across all live replicas at this instant. */
    void observeLeases(Map<Long, Raft> live) {
        for (var holder : live.entrySet()) {
            Raft r = holder.getValue();
            if (r.role() != Role.LEADER || !r.holdsLease()) {
                continue;
            }
            for (var other : live.entrySet()) {
                Raft o = other.getValue();
                if (o.role() == Role.LEADER && o.term() > r.term()) {
                    fail("lease exclusivity", "node " + holder.getKey() + " holds a lease in term " + r.term()
                            + " while node " + other.getKey() + " leads term " + o.term());
                }
            }
        }
    }

    private void checkCompleteness(long node, Raft raft) {
        // Terms along a log never decrease, so the entries committed before this term form a prefix
        // of what has been applied; it is enough to check the last of them (log matching does the rest).
        for (var e = applied.lastEntry(); e != null; e = applied.lowerEntry(e.getKey())) {
            if (e.getValue().term() >= raft.term()) {
                continue;
            }
            long index = e.getKey();
            if (index < raft.firstIndex() - 1) {
                return;
            }
            long held = raft.termAt(index);
            if (!Objects.equals(held, e.getValue().term())) {
                fail("leader completeness", "leader " + node + " of term " + raft.term() + " lacks committed entry "
                        + index + "/" + e.getValue().term() + " (holds term " + held + ")");
            }
            return;
        }
    }
}
