package io.flotilla.raft.core;

import java.util.List;

/**
 * The core's output since the last {@link Raft#advance}. The host must, in this order:
 * <ol>
 *   <li>make {@code snapshot} (if any), {@code entries} and {@code hardState} (if any) durable;
 *       entries replace whatever the log held from {@code entries.get(0).index()} on;</li>
 *   <li>only then send {@code messages} and start the {@code snapshotTransfers};</li>
 *   <li>apply {@code committed} in order, serve {@code reads} once applied far enough, and fail the
 *       {@code abandonedReads} (this replica lost leadership before confirming them);</li>
 *   <li>call {@link Raft#advance(Ready)}.</li>
 * </ol>
 */
public record Ready(HardState hardState, SnapshotMeta snapshot, List<Entry> entries, List<Message> messages,
                    List<Entry> committed, List<ReadState> reads, List<Long> abandonedReads,
                    List<SnapshotTransfer> snapshotTransfers) {

    public Ready {
        entries = List.copyOf(entries);
        messages = List.copyOf(messages);
        committed = List.copyOf(committed);
        reads = List.copyOf(reads);
        abandonedReads = List.copyOf(abandonedReads);
        snapshotTransfers = List.copyOf(snapshotTransfers);
    }

    /** Whether the host has to write anything durably before sending this Ready's messages. */
    public boolean mustPersist() {
        return hardState != null || snapshot != null || !entries.isEmpty();
    }

    public boolean isEmpty() {
        return !mustPersist() && messages.isEmpty() && committed.isEmpty() && reads.isEmpty() && abandonedReads.isEmpty()
                && snapshotTransfers.isEmpty();
    }
}
