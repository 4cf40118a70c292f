package io.flotilla.raft.host;

import io.flotilla.raft.core.Entry;
import io.flotilla.raft.core.Membership;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;

/** What a group replicates into: called on the group's worker thread, in log order. */
public interface StateMachine {

    /** Applies one committed entry; the returned value answers the proposal, if this node made it. */
    Object apply(Entry entry);

    /**
     * Applies one committed entry, told the membership in force at it (the entry's own, for a
     * membership change): what a state machine needs that starts another group from this one's
     * state (a range split), whose first snapshot must carry the members it starts with. Most
     * state machines need only the entry.
     */
    default Object apply(Entry entry, Membership membership) {
        return apply(entry);
    }

    /**
     * An image of everything applied so far, consistent as of this call. It is read afterwards,
     * possibly on another thread while later entries are applied, to compact the log or to catch up
     * a follower; the caller closes it.
     */
    ReadableByteChannel snapshot() throws IOException;

    /** Replaces the whole state with an image taken by {@link #snapshot()}, here or on another node. */
    void restore(ReadableByteChannel image) throws IOException;

    /**
     * This replica became leader of {@code term}, or stopped leading (then {@code leader} is
     * false). Called on the group's thread as soon as the host sees the change, and always before
     * it applies another entry: a state machine that holds work of its leadership (open
     * transactions) must drop it here.
     */
    default void roleChanged(long term, boolean leader) {
    }
}
