package io.flotilla.raft.core;

import java.util.List;

/**
 * The core's output since the last {@link Raft#advance}. The host must, in this order:
 * <ol>
 *   <li>send {@code eager} at once, if it likes, while it writes;</li>
 *   <li>make {@code snapshot} (if any), {@code entries} and {@code hardState} (if any) durable;
 *       entries replace whatever the log held from {@code entries.get(0).index()} on;</li>
 *   <li>only then send {@code messages} and start the {@code snapshotTransfers};</li>
 *   <li>apply {@code committed} in order (these are durable already, so a host may apply them
 *       as soon as it has the Ready, while it writes), serve {@code reads} once applied far enough,
 *       and fail the {@code abandonedReads} (this replica lost leadership before confirming them);</li>
 *   <li>call {@link Raft#advance(Ready)}.</li>
 * </ol>
 *
 * <p>While a Ready is being written the host may send {@link Raft#takeLivenessMessages()} (heartbeats,
 * their answers, pre-votes) at once instead of waiting for the write, so that a slow disk does not
 * depose a leader; everything else waits for the next Ready.
 *
 * <p>{@code eager} holds a leader's appends and heartbeats when its term and vote are already
 * durable: they depend on nothing this Ready writes (Raft thesis §10.2.1; the leader counts its
 * own copy toward commitment only once persisted), so followers can write in parallel with it.
 */
public record Ready(HardState hardState, SnapshotMeta snapshot, List<Entry> entries, List<Message> messages,
                    List<Entry> committed, List<ReadState> reads, List<Long> abandonedReads,
                    List<SnapshotTransfer> snapshotTransfers, List<Message> eager) {

    public Ready {
        eager = List.copyOf(eager);
        entries = List.copyOf(entries);
        messages = List.copyOf(messages);
        committed = List.copyOf(committed);
        reads = List.copyOf(reads);
        abandonedReads = List.copyOf(abandonedReads);
        snapshotTransfers = List.copyOf(snapshotTransfers);
    }

    /** The same Ready with another hard state to write (the host adds one it deferred). */
    public Ready withHardState(HardState state) {
        return new Ready(state, snapshot, entries, messages, committed, reads, abandonedReads, snapshotTransfers, eager);
    }

    /** Whether the host has to write anything durably before sending this Ready's messages. */
    public boolean mustPersist() {
        return hardState != null || snapshot != null || !entries.isEmpty();
    }

    public boolean isEmpty() {
        return !mustPersist() && messages.isEmpty() && eager.isEmpty() && committed.isEmpty() && reads.isEmpty() && abandonedReads.isEmpty()
                && snapshotTransfers.isEmpty();
    }
}
