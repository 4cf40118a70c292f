package io.flotilla.raft.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Membership as the log defines it: a replica uses the latest membership in its log, committed or
 * not (Raft thesis, section 4.1), so conflicting appends that cut a membership entry must restore
 * the one before it. Keeps every membership entry after the snapshot's.
 */
final class MembershipHistory {

    private record Change(long index, Membership membership) {
    }

    private final ArrayList<Change> changes = new ArrayList<>();

    MembershipHistory(SnapshotMeta snapshot) {
        reset(snapshot);
    }

    void reset(SnapshotMeta snapshot) {
        changes.clear();
        changes.add(new Change(snapshot.index(), snapshot.membership()));
    }

    Membership current() {
        return changes.get(changes.size() - 1).membership();
    }

    /** Index of the entry that set the current membership. */
    long currentIndex() {
        return changes.get(changes.size() - 1).index();
    }

    /** Accounts for entries appended to the log from entries.get(0).index() on. */
    void appended(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).index();
        while (changes.size() > 1 && changes.get(changes.size() - 1).index() >= first) {
            changes.remove(changes.size() - 1);
        }
        for (Entry e : entries) {
            if (e.payload() instanceof Payload.Reconfiguration r) {
                changes.add(new Change(e.index(), r.membership()));
            }
        }
    }

    /** Snapshot of the changes, for tests and status. */
    List<Membership> all() {
        List<Membership> out = new ArrayList<>();
        for (Change c : changes) {
            out.add(c.membership());
        }
        return out;
    }
}
