package io.flotilla.raft.embedded;

import io.flotilla.raft.host.StateMachine;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens a group's state machine on a node: a fresh one when the replica starts, and again after
 * each restart. {@code directory} belongs to this replica alone and outlives crashes, for state
 * machines that keep durable state ({@link DurableStateMachine}); the cluster deletes it on close.
 */
@FunctionalInterface
public interface StateMachineFactory {

    StateMachine open(long node, long group, Path directory) throws IOException;
}
