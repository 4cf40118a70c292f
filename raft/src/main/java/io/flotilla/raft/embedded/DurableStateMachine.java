package io.flotilla.raft.embedded;

import io.flotilla.raft.host.StateMachine;

/**
 * A state machine that keeps its own durable state (a database rather than memory): it survives a
 * node's crash, tells how far it had applied when it starts again, and can be crashed (stopped
 * without writing out what it had not yet) by the embedded cluster's fault hooks.
 */
public interface DurableStateMachine extends StateMachine, AutoCloseable {

    /** The index of the last entry whose effects this state machine holds. */
    long applied();

    /** Stops at once, losing whatever it had not made durable, as a killed process would. */
    void crash();

    @Override
    void close();
}
