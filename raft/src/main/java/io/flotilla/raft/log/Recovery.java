package io.flotilla.raft.log;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.HardState;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.wire.MalformedMessageException;
import io.flotilla.raft.wire.RaftCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Rebuilds a log's state from its segments. Every record's checksum is verified and every record
 * must make sense after the ones before it. Damage at the very tail of the last segment is what a
 * crash during a write leaves (only that write was cut short, and it was never acknowledged): the
 * file is cut there. Damage anywhere else fails with {@link CorruptLogException}.
 *
 * <p>The tail counts as torn when the damaged frame runs past the end of the file, is complete but
 * is the last thing in it, or is followed by nothing but zeros. This assumes the file system keeps
 * a prefix of what was appended after the last fsync (plus, perhaps, zero-filled space).
 */
final class Recovery {

    private static final System.Logger LOG = System.getLogger(Recovery.class.getName());

    /** The replayed log; {@code segments} in order, files open and owned by the caller. */
    record Recovered(LogState state, List<Segment> segments, long installSequence) {
    }

    private final LogDirectory directory;
    private final LogState state;
    private final List<Segment> segments = new ArrayList<>();
    private long installSequence = Long.MIN_VALUE;
    private boolean sawRecord;

    private Recovery(LogDirectory directory, long cacheBytes) {
        this.directory = directory;
        this.state = new LogState(cacheBytes);
    }

    /** The log in the directory, or null if it holds none (no segment, or no record ever made it to disk). */
    static Recovered run(LogDirectory directory, long cacheBytes) throws IOException {
        List<Long> sequences = segmentSequences(directory);
        if (sequences.isEmpty()) {
            return null;
        }
        // Segments are only ever deleted oldest first, but a crash may undo some deletions: a segment
        // before a gap in the numbering is a leftover of compaction and holds nothing needed.
        int start = sequences.size() - 1;
        while (start > 0 && sequences.get(start - 1) == sequences.get(start) - 1) {
            start--;
        }
        Recovery recovery = new Recovery(directory, cacheBytes);
        try {
            for (int i = start; i < sequences.size(); i++) {
                recovery.replay(sequences.get(i), i == sequences.size() - 1);
            }
            recovery.checkComplete();
        } catch (IOException | RuntimeException e) {
            recovery.closeAll(e);
            throw e;
        }
        for (int i = 0; i < start; i++) {
            LOG.log(System.Logger.Level.WARNING, "deleting {0}/{1}: left over from an interrupted compaction",
                    directory.describe(), Segment.nameOf(sequences.get(i)));
            directory.delete(Segment.nameOf(sequences.get(i)));
        }
        if (!recovery.sawRecord) {
            // The log was being created when the process stopped; open() had not returned, so nothing
            // was acknowledged. Start over.
            recovery.closeAll(null);
            for (int i = start; i < sequences.size(); i++) {
                directory.delete(Segment.nameOf(sequences.get(i)));
            }
            directory.sync();
            return null;
        }
        if (start > 0) {
            directory.sync();
        }
        return new Recovered(recovery.state, recovery.segments, recovery.installSequence);
    }

    static List<Long> segmentSequences(LogDirectory directory) throws IOException {
        List<Long> sequences = new ArrayList<>();
        for (String name : directory.list()) {
            long sequence = Segment.sequenceOf(name);
            if (sequence >= 0) {
                sequences.add(sequence);
            }
        }
        sequences.sort(null);
        return sequences;
    }

    private void replay(long sequence, boolean last) throws IOException {
        Segment segment = new Segment(sequence, directory.open(Segment.nameOf(sequence)));
        segments.add(segment);
        RecordScanner scanner = new RecordScanner(segment.file);
        while (true) {
            RecordScanner.Step step = scanner.next();
            if (step instanceof RecordScanner.End) {
                return;
            }
            if (step instanceof RecordScanner.Record r) {
                sawRecord = true;
                apply(segment, r);
                continue;
            }
            RecordScanner.Damage damage = (RecordScanner.Damage) step;
            boolean torn = damage.runsPastEnd() || damage.endsAtEnd() || scanner.zerosFrom(damage.offset());
            if (!last || !torn) {
                throw corrupt(segment, damage.offset(), damage.reason()
                        + (last ? ", and more data follows it" : ", in a segment that is not the last"));
            }
            long cut = segment.file.size() - damage.offset();
            LOG.log(System.Logger.Level.WARNING, "cutting {0} bytes at offset {1} of {2}/{3}: {4} (torn write)",
                    cut, damage.offset(), directory.describe(), segment.name, damage.reason());
            segment.file.truncate(damage.offset());
            segment.file.force();
            return;
        }
    }

    private void apply(Segment segment, RecordScanner.Record r) throws IOException {
        try {
            if (r.type() == RecordType.ENTRY) {
                Entry e = RaftCodec.decodeEntry(r.payload());
                checkEntry(segment, r.offset(), e);
                state.append(e, segment.sequence, r.offset(), r.frameBytes());
                segment.noteEntry(e.index());
            } else if (r.type() == RecordType.HARD_STATE) {
                state.hardState = RaftCodec.decodeHardState(r.payload());
            } else if (r.type() == RecordType.SNAPSHOT) {
                state.install(RaftCodec.decodeSnapshotMeta(r.payload()));
                installSequence = segment.sequence;
            } else if (r.type() == RecordType.COMPACT) {
                state.compact(RaftCodec.decodeSnapshotMeta(r.payload()));
            } else if (r.type() == RecordType.TRUNCATE) {
                if (r.payload().length != Long.BYTES) {
                    throw corrupt(segment, r.offset(), "truncation record of " + r.payload().length + " bytes");
                }
                long from = ByteBuffer.wrap(r.payload()).getLong();
                if (state.snapshot == null || from <= state.snapshot.index()) {
                    throw corrupt(segment, r.offset(), "truncation from " + from + " reaches into the snapshot");
                }
                state.truncateFrom(from);
            } else {
                throw new IllegalStateException("no replay for record type " + r.type());
            }
        } catch (MalformedMessageException e) {
            throw new CorruptLogException(path(segment), r.offset(), "checksum matches but " + r.type()
                    + " does not decode: " + e.getMessage(), e);
        }
    }

    private void checkEntry(Segment segment, long offset, Entry e) throws CorruptLogException {
        if (state.snapshot == null) {
            throw corrupt(segment, offset, "entry " + e.index() + " before any snapshot record");
        }
        if (e.index() <= state.snapshot.index()) {
            throw corrupt(segment, offset, "entry " + e.index() + " inside snapshot " + state.snapshot.index());
        }
        if (!state.index.isEmpty() && e.index() > state.index.last() + 1) {
            throw corrupt(segment, offset, "entry " + e.index() + " leaves a gap after " + state.index.last());
        }
        if (!state.index.isEmpty() && e.index() <= state.index.last()) {
            throw corrupt(segment, offset, "entry " + e.index() + " overwrites without a truncation record");
        }
    }

    private void checkComplete() throws CorruptLogException {
        if (!sawRecord) {
            return;
        }
        Segment first = segments.get(0);
        if (state.snapshot == null) {
            throw corrupt(first, 0, "no snapshot record in any segment");
        }
        if (!state.index.isEmpty() && state.index.first() != state.snapshot.index() + 1) {
            throw corrupt(first, 0, "entries start at " + state.index.first() + " but the snapshot ends at "
                    + state.snapshot.index());
        }
        if (state.hardState == null) {
            // Only a new log's first header can be cut between its snapshot and its hard state, and
            // that hard state was the empty one.
            state.hardState = HardState.EMPTY;
        }
    }

    private CorruptLogException corrupt(Segment segment, long offset, String reason) {
        return new CorruptLogException(path(segment), offset, reason);
    }

    private String path(Segment segment) {
        return directory.describe() + "/" + segment.name;
    }

    private void closeAll(Exception failure) throws IOException {
        IOException first = null;
        for (Segment s : segments) {
            try {
                s.file.close();
            } catch (IOException e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                }
            }
        }
        segments.clear();
        if (first != null) {
            throw first;
        }
    }
}
