package io.flotilla.raft.linearizability;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
  * Lowe's memo of search states already visited, extended with a dominance rule for pending
  * operations.
  *
  * <p>A search state is (completed operations linearized, pending operations linearized, model
  * state). A state that has linearized a superset of the pending operations of a visited state,
  * with the same completed operations and model state, can do nothing the visited one cannot:
  * pending operations never have to be linearized, so the visited state may follow the same path
  * and simply leave them out. Pruning such states keeps histories with many timed-out operations
  * from blowing up by 2^pending. With no pending operations this is exactly Lowe's memo.
  *
  * <p>States are grouped by their set of completed operations (a {@link Level}) so that the search,
  * which tries many states per level, looks that set up once per level rather than once per state.
  */
final class VisitedStates {

    /** The visited states that share one set of linearized completed operations. */
    static final class Level {
        private final Map<Object, List<PendingSet>> pendingSetsByState = new HashMap<>();
    }

    /**
      * A set of completed operations with a hash maintained by the caller: {@link BitSet#hashCode}
      * XORs words together, so the near-identical sets of a search collide en masse.
      */
    private record LevelKey(BitSet completed, long hash) {
        @Override
        public int hashCode() {
            return Long.hashCode(hash);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LevelKey other && hash == other.hash && completed.equals(other.completed);
        }
    }

    private final Map<LevelKey, Level> levels = new HashMap<>();
    private long size;

    /**
      * The level of {@code completed}, which is copied if kept, so the caller may keep mutating it.
      *
      * @param hash a hash of {@code completed}, such as {@link #hashOf} XORed over its members
      */
    Level level(BitSet completed, long hash) {
        Level level = levels.get(new LevelKey(completed, hash));
        if (level == null) {
            level = new Level();
            levels.put(new LevelKey((BitSet) completed.clone(), hash), level);
        }
        return level;
    }

    /** A well-mixed hash of one member (the finaliser of MurmurHash3), for Zobrist hashing. */
    static long hashOf(int op) {
        long h = op + 0x9E3779B97F4A7C15L;
        h = (h ^ (h >>> 33)) * 0xFF51AFD7ED558CCDL;
        h = (h ^ (h >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }

    /**
      * Records the state with pending operations {@code pending} plus {@code plus} (if not
      * negative), unless a visited state dominates it.
      *
      * @return the pending set recorded, or null if the state is dominated
      */
    PendingSet visit(Level level, Object state, PendingSet pending, int plus) {
        List<PendingSet> seen = level.pendingSetsByState.get(state);
        if (seen == null) {
            seen = new ArrayList<>(1);
            level.pendingSetsByState.put(state, seen);
        }
        for (PendingSet visited : seen) {
            if (visited.isSubsetOf(pending, plus)) {
                return null;
            }
        }
        PendingSet added = plus < 0 ? pending : pending.plus(plus);
        // Sets dominated by the new one will never prune anything it would not.
        seen.removeIf(visited -> added.isSubsetOf(visited, -1));
        seen.add(added);
        size++;
        return added;
    }

    /** How many states were recorded: the search effort so far. */
    long size() {
        return size;
    }
}
