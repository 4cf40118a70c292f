package io.flotilla.testing;

import io.flotilla.sql.node.Node;
import io.flotilla.sql.server.ServingNode;

import java.util.List;
import java.util.Optional;

/**
 * One node of a {@link FlotillaCluster}: the flags it starts from (the same at every restart), the
 * client port it is known by, and, while it is up, the running {@link ServingNode}. The cluster owns it
 * and changes it under the cluster's lock.
 */
final class ClusterNode {

    /** Where a node is in its life. */
    enum State {
        /** Started and running. */
        UP,
        /** Started, but stopped as by SIGSTOP ({@link FlotillaCluster#pause}). */
        PAUSED,
        /** Killed or stopped; {@link FlotillaCluster#restart} starts it again from its flags. */
        DOWN
    }

    final long id;
    final ClientPort port;
    /** Its command line; the Raft port in it is kept across restarts, as a node process keeps its own. */
    List<String> flags;
    private volatile ServingNode serving;
    private volatile State state = State.DOWN;

    ClusterNode(long id, ClientPort port, List<String> flags) {
        this.id = id;
        this.port = port;
        this.flags = flags;
    }

    State state() {
        return state;
    }

    /** The running node, paused or not; empty while it is down. */
    Optional<Node> node() {
        return Optional.ofNullable(serving).map(ServingNode::node);
    }

    /** The running node that is not paused: one whose state can be read without waiting on it. */
    Optional<Node> live() {
        return state == State.UP ? node() : Optional.empty();
    }

    void started(ServingNode started) {
        serving = started;
        state = State.UP;
        port.connectTo(started.node().sqlAddress());
    }

    void paused() {
        state = State.PAUSED;
    }

    void resumed() {
        state = State.UP;
    }

    /**
     * Down: the client port refuses until the next start; returns the node that ran, if one did,
     * for the caller to close or crash.
     */
    Optional<ServingNode> down() {
        ServingNode was = serving;
        serving = null;
        state = State.DOWN;
        port.disconnect();
        return Optional.ofNullable(was);
    }
}
