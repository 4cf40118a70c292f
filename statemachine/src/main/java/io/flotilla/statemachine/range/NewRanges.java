package io.flotilla.statemachine.range;

import io.flotilla.raft.core.Membership;
import io.flotilla.raft.core.SnapshotMeta;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;

/**
 * Where a split puts the range it makes on this node: the node's side of a split, which a replica
 * applying one calls on its group's thread (docs/ranges.md, "Split").
 */
public interface NewRanges {

    /**
     * Whether this node is among {@code members} (voters, learners, either side of a change): a
     * node that is not (it caught up the old range's log after the split, having joined since)
     * builds no replica of the new range, and only trims its own.
     */
    boolean isMember(Membership members);

    /**
     * Whether this node holds a replica of {@code range} already: one an earlier apply of the same
     * split made before a crash, whose own log may have gone on since.
     */
    boolean holds(long range) throws IOException;

    /** The directory the new range's replica keeps its database in. */
    Path databaseDirectory(long range);

    /**
     * Makes the new range durable: its log starts at {@code base}, with {@code image} (read to its
     * end and closed) as its state. Once this returns, the range survives any crash.
     */
    void create(long range, SnapshotMeta base, ReadableByteChannel image) throws IOException;

    /**
     * The split's entry has applied: start the new range's replica here. Must not wait for the
     * splitting range's group, whose thread calls this.
     */
    void start(long range);
}
