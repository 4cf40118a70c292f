package io.flotilla.raft.host;

import io.flotilla.raft.core.Entry;

/** What a group replicates into: called on the group's worker thread, in log order. */
public interface StateMachine {

    /** Applies one committed entry; the returned value answers the proposal, if this node made it. */
    Object apply(Entry entry);
}
