package io.flotilla.sql.node;

import io.flotilla.raft.host.Outbox;
import io.flotilla.raft.host.RaftHost;
import io.flotilla.raft.node.HostEndpoints;
import io.flotilla.raft.node.RaftNode;
import io.flotilla.raft.transport.RaftTransport;
import io.flotilla.raft.transport.TransportConfig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.function.LongFunction;

/** A real node's Raft network: the Netty transport, through a switch that can cut it (see {@link RaftLinks}). */
final class TransportNetwork implements RaftNetwork {

    private final TransportConfig config;
    private final RaftLinks links = new RaftLinks();
    private RaftTransport transport;

    TransportNetwork(TransportConfig config) {
        this.config = config;
    }

    @Override
    public RaftNode.Attachment attach(RaftHost host) throws IOException {
        RaftTransport started = RaftTransport.start(config, links.inbound(HostEndpoints.inbound(host)),
                links.snapshots(HostEndpoints.snapshots(host)), new SecureRandom());
        this.transport = started;
        Outbox outbox = links.outbound(HostEndpoints.outbox(started));
        return new RaftNode.Attachment() {
            @Override
            public Outbox outbox() {
                return outbox;
            }

            @Override
            public void close() {
                started.close();
            }
        };
    }

    @Override
    public InetSocketAddress localAddress() {
        if (transport == null) {
            throw new IllegalStateException("the transport is not attached yet");
        }
        return transport.localAddress();
    }

    @Override
    public long maxFrameBytes() {
        return config.maxFrameBytes();
    }

    @Override
    public void cut() {
        links.cut();
    }

    @Override
    public void restore() {
        links.restore();
    }

    @Override
    public void lookUpUnknownNodesIn(LongFunction<Optional<InetSocketAddress>> directory) {
        config.peers().lookUpUnknownIn(directory);
    }
}
