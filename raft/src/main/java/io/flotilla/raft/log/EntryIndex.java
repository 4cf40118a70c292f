package io.flotilla.raft.log;

/**
 * Where each entry of the log lives: its term (so {@code term(i)} needs no I/O), its payload's size
 * (so a replica's lag in bytes needs none either) and the segment, offset and length of its record. A window of indexes in primitive arrays; entries leave at the
 * front (compaction) and the back (truncation). Not thread-safe: the owner locks.
 */
final class EntryIndex {

    private long first = 1;
    private int head;
    private int count;
    private long[] terms = new long[64];
    private long[] segments = new long[64];
    private long[] offsets = new long[64];
    private int[] lengths = new int[64];
    private int[] payloadSizes = new int[64];

    boolean isEmpty() {
        return count == 0;
    }

    /** The first index held; meaningless when empty. */
    long first() {
        return first;
    }

    /** The last index held; first() - 1 when empty. */
    long last() {
        return first + count - 1;
    }

    boolean contains(long index) {
        return count > 0 && index >= first && index <= last();
    }

    long term(long index) {
        return terms[slot(index)];
    }

    long segment(long index) {
        return segments[slot(index)];
    }

    long offset(long index) {
        return offsets[slot(index)];
    }

    int length(long index) {
        return lengths[slot(index)];
    }

    /** The sum of the payload sizes of the entries in [from, to), all of which must be held. */
    long payloadBytes(long from, long to) {
        if (from >= to) {
            return 0;
        }
        int start = slot(from);
        int end = slot(to - 1);
        long bytes = 0;
        for (int s = start; s <= end; s++) {
            bytes += payloadSizes[s];
        }
        return bytes;
    }

    /** Adds the entry after the last; an empty index starts at whatever index comes first. */
    void append(long index, long term, long segment, long offset, int length, int payloadSize) {
        if (count == 0) {
            first = index;
            head = 0;
        } else if (index != last() + 1) {
            throw new IllegalStateException("entry " + index + " does not follow " + last());
        }
        if (head + count == terms.length) {
            grow();
        }
        int s = head + count;
        terms[s] = term;
        segments[s] = segment;
        offsets[s] = offset;
        lengths[s] = length;
        payloadSizes[s] = payloadSize;
        count++;
    }

    void clear() {
        head = 0;
        count = 0;
    }

    /** Drops every entry from {@code index} on. */
    void truncateFrom(long index) {
        if (count == 0 || index > last()) {
            return;
        }
        count = (int) Math.max(0, index - first);
    }

    /** Drops every entry up to and including {@code index}. */
    void dropThrough(long index) {
        if (count == 0 || index < first) {
            return;
        }
        int dropped = (int) Math.min(count, index - first + 1);
        head += dropped;
        count -= dropped;
        first += dropped;
    }

    private int slot(long index) {
        if (!contains(index)) {
            throw new IllegalArgumentException("index " + index + " not in [" + first + ", " + last() + "]");
        }
        return head + (int) (index - first);
    }

    private void grow() {
        // Compacting in place is enough when most of the array is dropped entries at the front.
        int capacity = count * 2 > terms.length ? terms.length * 2 : terms.length;
        terms = moved(terms, capacity);
        segments = moved(segments, capacity);
        offsets = moved(offsets, capacity);
        lengths = moved(lengths, capacity);
        payloadSizes = moved(payloadSizes, capacity);
        head = 0;
    }

    private long[] moved(long[] from, int capacity) {
        long[] to = from.length == capacity ? from : new long[capacity];
        System.arraycopy(from, head, to, 0, count);
        return to;
    }

    private int[] moved(int[] from, int capacity) {
        int[] to = from.length == capacity ? from : new int[capacity];
        System.arraycopy(from, head, to, 0, count);
        return to;
    }

    @Override
    public String toString() {
        return count == 0 ? "EntryIndex[empty]" : "EntryIndex[" + first + ".." + last() + "]";
    }
}
