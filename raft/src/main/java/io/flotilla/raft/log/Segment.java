package io.flotilla.raft.log;

/**
 * One file of a group's log. Segments are numbered in the order they were started; the highest is
 * the active one, the only one ever appended to. Each starts with a header (a {@code COMPACT}
 * record of the snapshot and the hard state at that point), so every older segment can be deleted
 * once nothing in it is needed.
 */
final class Segment {

    private static final String SUFFIX = ".seg";

    final long sequence;
    final String name;
    final LogFile file;
    /** The highest entry index recorded in this segment; written by the writer thread only. */
    long maxEntryIndex = Long.MIN_VALUE;
    /** Appended to since the last force; writer thread only. */
    boolean dirty;

    Segment(long sequence, LogFile file) {
        this.sequence = sequence;
        this.name = nameOf(sequence);
        this.file = file;
    }

    static String nameOf(long sequence) {
        return String.format("%020d%s", sequence, SUFFIX);
    }

    /** The sequence number a file name stands for, or -1 if the file is not a segment. */
    static long sequenceOf(String name) {
        if (name.length() != 20 + SUFFIX.length() || !name.endsWith(SUFFIX)) {
            return -1;
        }
        for (int i = 0; i < 20; i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(name.substring(0, 20));
    }

    void noteEntry(long index) {
        maxEntryIndex = Math.max(maxEntryIndex, index);
    }

    @Override
    public String toString() {
        return name;
    }
}
