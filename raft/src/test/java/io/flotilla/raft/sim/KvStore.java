package io.flotilla.raft.sim;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.Payload;
import io.flotilla.raft.core.SnapshotMeta;

import java.util.Map;
import java.util.TreeMap;

/**
 * The simulated state machine: registers holding longs (reads of an absent key give 0), plus the membership as of the
 * applied index, which a snapshot must carry.
 */
final class KvStore {

    /** An image of the store at an applied index. */
    record Image(SnapshotMeta meta, Map<String, Long> values) {
        Image {
            values = Map.copyOf(values);
        }
    }

    private final TreeMap<String, Long> values = new TreeMap<>();
    private long applied;
    private long appliedTerm;
    private Membership membership;

    KvStore(Image image) {
        values.putAll(image.values());
        applied = image.meta().index();
        appliedTerm = image.meta().term();
        membership = image.meta().membership();
    }

    /** Applies a committed entry; returns whether a CAS succeeded (true for everything else). */
    boolean apply(Entry entry) {
        if (entry.index() != applied + 1) {
            throw new IllegalStateException("applying " + entry.index() + " after " + applied);
        }
        applied = entry.index();
        appliedTerm = entry.term();
        if (entry.payload() instanceof Payload.Reconfiguration r) {
            membership = r.membership();
            return true;
        }
        if (!(entry.payload() instanceof Payload.Command c)) {
            return true;
        }
        KvCommand cmd = KvCommand.decode(c.unsafeData());
        if (cmd.cas()) {
            // An absent key holds nothing, so no expectation matches it.
            Long current = values.get(cmd.key());
            if (current == null || current != cmd.expected()) {
                return false;
            }
        }
        values.put(cmd.key(), cmd.value());
        return true;
    }

    long get(String key) {
        return values.getOrDefault(key, 0L);
    }

    long applied() {
        return applied;
    }

    Image image() {
        return new Image(new SnapshotMeta(applied, appliedTerm, membership), values);
    }
}
