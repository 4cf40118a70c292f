package io.flotilla.raft.linearizability;

import java.util.Arrays;

/**
  * An immutable set of linearized pending operations, numbered densely from 0 by invocation so
  * that the subset tests of {@link VisitedStates}, run on every state the search meets, take a few
  * word operations.
  */
final class PendingSet {

    static final PendingSet EMPTY = new PendingSet(new long[0]);

    private final long[] words;

    private PendingSet(long[] words) {
        this.words = words;
    }

    boolean contains(int pending) {
        int word = pending >>> 6;
        return word < words.length && (words[word] & 1L << pending) != 0;
    }

    PendingSet plus(int pending) {
        long[] more = Arrays.copyOf(words, Math.max(words.length, (pending >>> 6) + 1));
        more[pending >>> 6] |= 1L << pending;
        return new PendingSet(more);
    }

    /** Whether this set is a subset of {@code other} plus {@code plus} (ignored if negative). */
    boolean isSubsetOf(PendingSet other, int plus) {
        int plusWord = plus < 0 ? -1 : plus >>> 6;
        for (int i = 0; i < words.length; i++) {
            long theirs = i < other.words.length ? other.words[i] : 0;
            if (i == plusWord) {
                theirs |= 1L << plus;
            }
            if ((words[i] & ~theirs) != 0) {
                return false;
            }
        }
        return true;
    }
}
