package io.flotilla.raft.linearizability;

import java.util.ArrayList;
import java.util.List;

/** Turns a failed search into a few lines a person can read next to a failing seed. */
final class Explanation {

    private static final int TAIL = 10;
    private static final int CANDIDATES = 10;

    private Explanation() {}

    /**
      * @param operations the partition's operations sorted by invocation
      * @param prefix indices into {@code operations} of the longest linearizable prefix, in order
      * @param stuck index of the operation that returned before any extension of it could include it
      */
    static String of(Object partitionKey, List<? extends Operation<?, ?>> operations, int[] prefix,
            int stuck) {
        StringBuilder out = new StringBuilder()
                .append("partition ").append(partitionKey).append(" is not linearizable (")
                .append(operations.size()).append(" operations, #n = rank by invocation).\n")
                .append("Longest linearizable prefix: ").append(prefix.length).append(" operations");
        if (prefix.length > TAIL) {
            out.append(", the last ").append(TAIL);
        }
        out.append(":\n");
        for (int i = Math.max(0, prefix.length - TAIL); i < prefix.length; i++) {
            line(out, operations, prefix[i]);
        }
        Operation<?, ?> blocked = operations.get(stuck);
        out.append("No extension of it can linearize this operation before it returned:\n");
        line(out, operations, stuck);

        boolean[] inPrefix = new boolean[operations.size()];
        for (int index : prefix) {
            inPrefix[index] = true;
        }
        // The latest are shown: they are the likeliest culprits and the ones a reader looks for.
        List<Integer> outside = new ArrayList<>();
        for (int i = 0; i < operations.size(); i++) {
            if (!inPrefix[i] && i != stuck && operations.get(i).invokedAt() <= blocked.returnedAt()) {
                outside.add(i);
            }
        }
        out.append("Operations outside the prefix invoked by then:\n");
        if (outside.isEmpty()) {
            out.append("  (none)\n");
        } else if (outside.size() > CANDIDATES) {
            out.append("  ... ").append(outside.size() - CANDIDATES).append(" earlier, not shown\n");
        }
        for (int i : outside.subList(Math.max(0, outside.size() - CANDIDATES), outside.size())) {
            line(out, operations, i);
        }
        return out.toString();
    }

    private static void line(StringBuilder out, List<? extends Operation<?, ?>> operations, int i) {
        out.append("  #").append(i).append(' ').append(operations.get(i)).append('\n');
    }
}
