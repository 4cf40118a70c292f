package io.flotilla.raft.log;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.HardState;
import io.flotilla.raft.core.SnapshotMeta;
import io.flotilla.raft.core.Storage;
import io.flotilla.raft.wire.MalformedMessageException;
import io.flotilla.raft.wire.RaftCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * One group's Raft log on disk: the {@link Storage} the core reads, written through a shared
 * {@link GroupCommit} writer. A host persists a Ready with {@link #append(WriteBatch)} and sends
 * the Ready's messages only once the returned future completes: by then everything in the batch is
 * fsynced and visible through this Storage.
 *
 * <p>Reads come from an in-memory index of where each entry's record is, and a bounded cache of the
 * most recent entries; anything older is read back from its segment (and its checksum checked
 * again). Reads may come from any thread, concurrently with the writer.
 *
 * <p>On disk: a directory of segment files, each a sequence of framed records (see
 * {@link RecordFrame}, {@link RecordType}). Overwriting the tail writes a truncation record rather
 * than rewriting a file; compaction writes a compaction record and, once that is durable, deletes
 * the oldest segments that hold only compacted entries.
 */
public final class DurableLog implements Storage, AutoCloseable {

    private final LogDirectory directory;
    private final GroupCommit writer;
    private final LogOptions options;

    private final Object lock = new Object();
    /** What is durable; guarded by {@link #lock}. */
    private final LogState state;
    /** All segments by sequence; guarded by {@link #lock}, changed by the writer thread only. */
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    /** No more writes are accepted; guarded by {@link #lock}. */
    private boolean closed;

    // What has been written, durable or not: the writer thread's alone (and open()'s, before that).
    private Segment active;
    private SnapshotMeta writtenSnapshot;
    private HardState writtenHardState;
    private long writtenLast;
    private final List<Segment> dirty = new ArrayList<>();
    // The durable compaction point and the segment of the durable snapshot install, for deleting segments.
    private long durableSnapshotIndex;
    private long installSequence;

    private DurableLog(LogDirectory directory, GroupCommit writer, LogOptions options, LogState state,
                       List<Segment> recovered, long installSequence) {
        this.directory = directory;
        this.writer = writer;
        this.options = options;
        this.state = state;
        for (Segment s : recovered) {
            segments.put(s.sequence, s);
        }
        this.active = recovered.isEmpty() ? null : recovered.get(recovered.size() - 1);
        this.writtenSnapshot = state.snapshot;
        this.writtenHardState = state.hardState;
        this.writtenLast = state.lastIndex();
        this.durableSnapshotIndex = state.snapshot.index();
        this.installSequence = installSequence;
    }

    /**
     * Opens the log in {@code directory}, recovering it if it exists (a torn tail is cut off), or
     * creating it at {@code initial} (for a new group, {@link SnapshotMeta#bootstrap}) if not. Writes
     * go through {@code writer}, which must outlive this log.
     *
     * @throws CorruptLogException if the log is damaged anywhere a crash cannot explain
     */
    public static DurableLog open(LogDirectory directory, GroupCommit writer, SnapshotMeta initial, LogOptions options)
            throws IOException {
        Recovery.Recovered recovered = Recovery.run(directory, options.cacheBytes());
        DurableLog log;
        if (recovered == null) {
            LogState fresh = new LogState(options.cacheBytes());
            fresh.snapshot = initial;
            fresh.hardState = HardState.EMPTY;
            log = new DurableLog(directory, writer, options, fresh, List.of(), Long.MIN_VALUE);
        } else {
            log = new DurableLog(directory, writer, options, recovered.state(), recovered.segments(),
                    recovered.installSequence());
        }
        try {
            // Never append after a recovered tail: a new segment starts with a complete header.
            log.startSegment();
            log.force();
            log.deleteObsoleteSegments();
        } catch (IOException | RuntimeException e) {
            log.closeFiles(e);
            throw e;
        }
        return log;
    }

    /**
     * Makes the batch durable. The future completes once it is fsynced (and readable here), or fails:
     * with IllegalArgumentException if the entries do not continue the log (nothing was written), or
     * with the writer's IOException, after which no write of any log on that writer succeeds.
     * Completion runs on the writer thread: dependent actions should be quick or asynchronous.
     */
    public CompletableFuture<Void> append(WriteBatch batch) {
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("log closed: " + directory.describe()));
            }
        }
        return writer.submit(this, batch);
    }

    /**
     * Drops the log up to {@code to}, a snapshot the state machine has durably taken of an entry this
     * log holds. Readers stop seeing the dropped entries at once; the future completes when the
     * compaction is durable and the segments it emptied are deleted.
     */
    public CompletableFuture<Void> compact(SnapshotMeta to) {
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("log closed: " + directory.describe()));
            }
            if (to.index() <= state.snapshot.index()) {
                return CompletableFuture.completedFuture(null);
            }
            if (to.index() > state.lastIndex() || state.index.term(to.index()) != to.term()) {
                throw new IllegalArgumentException("compaction to " + to.index() + "/" + to.term()
                        + " is not an entry of the durable log [" + state.firstIndex() + ", " + state.lastIndex() + "]");
            }
            state.compact(to);
        }
        return writer.submit(this, new Compaction(to));
    }

    // ------------------------------------------------------------------ Storage

    @Override
    public HardState hardState() {
        synchronized (lock) {
            return state.hardState;
        }
    }

    @Override
    public SnapshotMeta snapshot() {
        synchronized (lock) {
            return state.snapshot;
        }
    }

    @Override
    public long firstIndex() {
        synchronized (lock) {
            return state.firstIndex();
        }
    }

    @Override
    public long lastIndex() {
        synchronized (lock) {
            return state.lastIndex();
        }
    }

    @Override
    public long term(long index) {
        synchronized (lock) {
            if (index == state.snapshot.index()) {
                return state.snapshot.term();
            }
            if (!state.index.contains(index)) {
                throw new IllegalArgumentException("term of " + index + " outside [" + (state.firstIndex() - 1)
                        + ", " + state.lastIndex() + "]");
            }
            return state.index.term(index);
        }
    }

    /** @throws UncheckedIOException if a record cannot be read back, or (as a CorruptLogException) is damaged */
    @Override
    public List<Entry> entries(long from, long to, long maxBytes) {
        synchronized (lock) {
            if (from < state.firstIndex() || to > state.lastIndex() + 1) {
                throw new IllegalArgumentException("entries [" + from + ", " + to + ") outside [" + state.firstIndex()
                        + ", " + (state.lastIndex() + 1) + ")");
            }
            List<Entry> out = new ArrayList<>();
            long bytes = 0;
            for (long i = from; i < to; i++) {
                Entry e = state.cache.get(i);
                if (e == null) {
                    e = readEntry(i);
                }
                if (!out.isEmpty() && bytes + e.size() > maxBytes) {
                    break;
                }
                bytes += e.size();
                out.add(e);
            }
            return out;
        }
    }

    /** From the index of where entries are, which keeps each one's payload size: no entry is read back. */
    @Override
    public long payloadBytes(long from, long to) {
        synchronized (lock) {
            if (from < state.firstIndex() || to > state.lastIndex() + 1) {
                throw new IllegalArgumentException("entries [" + from + ", " + to + ") outside [" + state.firstIndex()
                        + ", " + (state.lastIndex() + 1) + ")");
            }
            return state.index.payloadBytes(from, to);
        }
    }

    /**
     * Waits for the writes already submitted, then closes the files. Later writes fail. The writer's
     * own failure, if any, was reported to the writes it affected and is not repeated here.
     */
    @Override
    public void close() throws IOException {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        // An empty batch is a barrier: the writer handles this log's writes in order.
        writer.submit(this, new WriteBatch(null, List.of(), null)).exceptionally(failure -> null).join();
        closeFiles(null);
    }

    // ------------------------------------------------------------------ writer thread

    /** Rejects a write that does not fit the log as written so far, before anything reaches a file. */
    void validate(LogWrite write) {
        if (write instanceof WriteBatch batch && !batch.entries().isEmpty()) {
            long last = batch.snapshot() != null ? batch.snapshot().index() : writtenLast;
            Entry first = batch.entries().get(0);
            if (first.index() > last + 1) {
                throw new IllegalArgumentException("entries from " + first.index() + " leave a gap after " + last
                        + " in " + directory.describe());
            }
        }
    }

    /** Writes (without forcing) what {@code write} asks; returns what to do once that is durable. */
    Publication stage(LogWrite write) throws IOException {
        if (write instanceof WriteBatch batch) {
            return stageBatch(batch);
        }
        return stageCompaction((Compaction) write);
    }

    /** Forces every segment written since the last force; returns how many. */
    int force() throws IOException {
        int forced = 0;
        for (Segment s : dirty) {
            if (s.dirty) {
                s.file.force();
                s.dirty = false;
                forced++;
            }
        }
        dirty.clear();
        return forced;
    }

    private Publication stageBatch(WriteBatch batch) throws IOException {
        if (batch.isEmpty()) {
            return Publication.NONE;
        }
        SnapshotMeta snapshot = batch.snapshot();
        long floor = snapshot != null ? snapshot.index() : writtenSnapshot.index();
        long last = snapshot != null ? snapshot.index() : writtenLast;
        // Entries the snapshot already covers are not written again (the core may resend them).
        List<Entry> entries = new ArrayList<>(batch.entries().size());
        for (Entry e : batch.entries()) {
            if (e.index() > floor) {
                entries.add(e);
            }
        }
        long truncateFrom = !entries.isEmpty() && entries.get(0).index() <= last ? entries.get(0).index() : -1;

        Records records = new Records();
        if (snapshot != null) {
            records.add(RecordType.SNAPSHOT, RaftCodec.encode(snapshot));
        }
        if (truncateFrom > 0) {
            records.add(RecordType.TRUNCATE, RecordFrame.longPayload(truncateFrom));
        }
        int firstEntryRecord = records.size();
        for (Entry e : entries) {
            records.add(RecordType.ENTRY, RaftCodec.encode(e));
        }
        if (batch.hardState() != null) {
            records.add(RecordType.HARD_STATE, RaftCodec.encode(batch.hardState()));
        }
        if (active.file.size() >= options.segmentBytes()) {
            startSegment();
        }
        Segment segment = active;
        long[] offsets = records.appendTo(segment);
        markDirty(segment);

        if (snapshot != null) {
            writtenSnapshot = snapshot;
            writtenLast = snapshot.index();
        }
        if (!entries.isEmpty()) {
            writtenLast = entries.get(entries.size() - 1).index();
            segment.noteEntry(writtenLast);
        }
        if (batch.hardState() != null) {
            writtenHardState = batch.hardState();
        }
        return () -> {
            synchronized (lock) {
                if (snapshot != null) {
                    state.install(snapshot);
                }
                if (truncateFrom > 0) {
                    state.truncateFrom(truncateFrom);
                }
                for (int i = 0; i < entries.size(); i++) {
                    Entry e = entries.get(i);
                    // A compaction may have run ahead of this write (it shows at once); never re-add below it.
                    if (e.index() > state.snapshot.index()) {
                        int r = firstEntryRecord + i;
                        state.append(e, segment.sequence, offsets[r], records.frameBytes(r));
                    }
                }
                if (batch.hardState() != null) {
                    state.hardState = batch.hardState();
                }
            }
            if (snapshot != null) {
                durableSnapshotIndex = Math.max(durableSnapshotIndex, snapshot.index());
                installSequence = segment.sequence;
                deleteObsoleteSegments();
            }
        };
    }

    private Publication stageCompaction(Compaction compaction) throws IOException {
        SnapshotMeta to = compaction.to();
        if (to.index() <= writtenSnapshot.index()) {
            return Publication.NONE;
        }
        if (active.file.size() >= options.segmentBytes()) {
            startSegment();
        }
        Records records = new Records();
        records.add(RecordType.COMPACT, RaftCodec.encode(to));
        records.appendTo(active);
        markDirty(active);
        writtenSnapshot = to;
        writtenLast = Math.max(writtenLast, to.index());
        return () -> {
            durableSnapshotIndex = Math.max(durableSnapshotIndex, to.index());
            deleteObsoleteSegments();
        };
    }

    /**
     * Closes the active segment and starts the next, whose header repeats the snapshot and hard state
     * so far: older segments can then go without taking either with them.
     */
    private void startSegment() throws IOException {
        if (active != null && active.dirty) {
            // A segment must be whole on disk before a later one exists: recovery treats damage
            // in any but the last segment as corruption.
            active.file.force();
            active.dirty = false;
        }
        long sequence = active == null ? 1 : active.sequence + 1;
        Segment next = new Segment(sequence, directory.create(Segment.nameOf(sequence)));
        synchronized (lock) {
            segments.put(sequence, next);
        }
        active = next;
        directory.sync();
        Records header = new Records();
        header.add(RecordType.COMPACT, RaftCodec.encode(writtenSnapshot));
        header.add(RecordType.HARD_STATE, RaftCodec.encode(writtenHardState));
        header.appendTo(next);
        markDirty(next);
    }

    private void markDirty(Segment segment) {
        if (!segment.dirty) {
            segment.dirty = true;
            dirty.add(segment);
        }
    }

    /** Deletes the oldest segments while everything in them is compacted or replaced by a snapshot install. */
    private void deleteObsoleteSegments() throws IOException {
        List<Segment> doomed = new ArrayList<>();
        synchronized (lock) {
            for (Segment s : segments.values()) {
                if (s == active || (s.maxEntryIndex > durableSnapshotIndex && s.sequence >= installSequence)) {
                    break;
                }
                doomed.add(s);
            }
            for (Segment s : doomed) {
                segments.remove(s.sequence);
            }
        }
        // Readers look segments up under the lock, so none can be reading these any more.
        for (Segment s : doomed) {
            s.file.close();
            directory.delete(s.name);
        }
        if (!doomed.isEmpty()) {
            directory.sync();
        }
    }

    private Entry readEntry(long index) {
        Segment segment = segments.get(state.index.segment(index));
        long offset = state.index.offset(index);
        String where = directory.describe() + "/" + segment.name;
        try {
            ByteBuffer frame = ByteBuffer.allocate(state.index.length(index));
            segment.file.readFully(frame, offset);
            frame.flip();
            byte[] payload = RecordFrame.payloadOf(frame, RecordType.ENTRY);
            if (payload == null) {
                throw new CorruptLogException(where, offset, "entry " + index + " no longer matches its checksum");
            }
            Entry e = RaftCodec.decodeEntry(payload);
            if (e.index() != index || e.term() != state.index.term(index)) {
                throw new CorruptLogException(where, offset, "expected entry " + index + " but found " + e.index());
            }
            return e;
        } catch (MalformedMessageException e) {
            throw new UncheckedIOException(new CorruptLogException(where, offset, "entry " + index
                    + " does not decode", e));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void closeFiles(Exception failure) throws IOException {
        IOException first = null;
        synchronized (lock) {
            for (Segment s : segments.values()) {
                try {
                    s.file.close();
                } catch (IOException e) {
                    if (failure != null) {
                        failure.addSuppressed(e);
                    } else if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            segments.clear();
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "DurableLog[" + directory.describe() + "]";
    }
}
