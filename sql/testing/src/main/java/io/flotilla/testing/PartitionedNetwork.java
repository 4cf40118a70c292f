package io.flotilla.testing;

import io.flotilla.raft.core.Message;
import io.flotilla.raft.host.Outbox;
import io.flotilla.raft.host.RaftHost;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.sql.node.RaftNetwork;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;

/**
 * A node's production Raft network (the Netty transport and its switch) with per-pair cuts in
 * front of what it sends. Every node of the cluster runs in this JVM and drops what it would send
 * over a cut link, so a cut from A to B loses A's messages, pings and snapshots to B and nothing
 * else, as the embedded Raft cluster's loopback network does; a partition cuts both directions of
 * every pair across it. A paused node sends nothing at all. The node's own switch ({@link #cut()},
 * {@link #restore()}) is the production one and cuts everything both ways.
 */
final class PartitionedNetwork implements RaftNetwork {

    private final long self;
    private final RaftNetwork network;
    private final Cuts cuts;

    PartitionedNetwork(long self, RaftNetwork network, Cuts cuts) {
        this.self = self;
        this.network = network;
        this.cuts = cuts;
    }

    @Override
    public RaftNode.Attachment attach(RaftHost host) throws IOException {
        RaftNode.Attachment attached = network.attach(host);
        Outbox to = attached.outbox();
        Outbox outbox = new Outbox() {
            @Override
            public void send(long group, Message message) {
                if (cuts.sends(self, message.to())) {
                    to.send(group, message);
                }
            }

            @Override
            public CompletableFuture<Void> sendSnapshot(long group, Message.InstallSnapshot announcement,
                                                        ReadableByteChannel image) {
                if (cuts.sends(self, announcement.to())) {
                    return to.sendSnapshot(group, announcement, image);
                }
                try {
                    image.close();
                } catch (IOException e) {
                    return CompletableFuture.failedFuture(e);
                }
                return CompletableFuture.failedFuture(new IOException("the link from node " + self + " to node "
                        + announcement.to() + " is cut, or node " + self + " is paused"));
            }

            @Override
            public void ping(long node) {
                if (cuts.sends(self, node)) {
                    to.ping(node);
                }
            }

            @Override
            public void replaceConnection(long node) {
                to.replaceConnection(node);
            }
        };
        return new RaftNode.Attachment() {
            @Override
            public Outbox outbox() {
                return outbox;
            }

            @Override
            public void close() {
                attached.close();
            }
        };
    }

    @Override
    public InetSocketAddress localAddress() {
        return network.localAddress();
    }

    @Override
    public long maxFrameBytes() {
        return network.maxFrameBytes();
    }

    @Override
    public void cut() {
        network.cut();
    }

    @Override
    public void restore() {
        network.restore();
    }

    @Override
    public void lookUpUnknownNodesIn(LongFunction<Optional<InetSocketAddress>> directory) {
        network.lookUpUnknownNodesIn(directory);
    }
}
