package io.flotilla.sql.node;

import io.flotilla.raft.node.RaftNode;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.function.LongFunction;

/** How a node's replicas reach their groups' other replicas, with what the node needs to know of it. */
public interface RaftNetwork extends RaftNode.Network {

    /** Where this node receives Raft traffic, once attached. */
    InetSocketAddress localAddress();

    /** The largest message the network carries: every entry a leader accepts must fit in one. */
    long maxFrameBytes();

    /**
     * A fault hook: cuts this node's Raft traffic both ways, as a network partition would, while its
     * client port stays up; {@link #restore()} heals it.
     */
    void cut();

    void restore();

    /**
     * Where to find the Raft address of a node this network was not configured with and has not
     * heard from (one that joined through another node): asked at each attempt to reach it.
     */
    void lookUpUnknownNodesIn(LongFunction<Optional<InetSocketAddress>> directory);
}
