package io.flotilla.raft.embedded;

import io.flotilla.raft.core.Message;
import io.flotilla.raft.host.Outbox;
import io.flotilla.raft.host.RaftHost;
import io.flotilla.raft.node.HostEndpoints;
import io.flotilla.raft.transport.AddressBook;
import io.flotilla.raft.transport.RaftTransport;
import io.flotilla.raft.transport.TransportConfig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ReadableByteChannel;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Real Netty transports on 127.0.0.1, one per node, each listening on a free port. Link cuts are
 * applied where a node sends, so a cut from A to B loses A's messages to B and nothing else.
 */
final class LoopbackNetwork implements NodeNetwork {

    private final Links links;
    private final long seed;
    private final AddressBook book = new AddressBook();
    private final Map<Long, RaftTransport> transports = new ConcurrentHashMap<>();

    LoopbackNetwork(Links links, long seed) {
        this.links = links;
        this.seed = seed;
    }

    @Override
    public Outbox attach(long node, RaftHost host) throws IOException {
        TransportConfig config = TransportConfig.defaults(node, new InetSocketAddress("127.0.0.1", 0), book);
        RaftTransport transport = RaftTransport.start(config, HostEndpoints.inbound(host), HostEndpoints.snapshots(host),
                new Random(seed * 31 + node));
        transports.put(node, transport);
        book.put(node, transport.localAddress());
        return new Outbox() {
            @Override
            public void send(long group, Message message) {
                if (links.connected(node, message.to())) {
                    transport.send(group, message);
                }
            }

            @Override
            public CompletableFuture<Void> sendSnapshot(long group, Message.InstallSnapshot announcement,
                                                        ReadableByteChannel image) {
                if (!links.connected(node, announcement.to())) {
                    closeQuietly(image);
                    return CompletableFuture.failedFuture(new IOException("link to node " + announcement.to() + " is cut"));
                }
                return transport.sendSnapshot(group, announcement, image);
            }

            @Override
            public void ping(long peer) {
                if (links.connected(node, peer)) {
                    transport.ping(peer);
                }
            }

            @Override
            public void replaceConnection(long peer) {
                transport.replaceConnection(peer);
            }
        };
    }

    static void closeQuietly(ReadableByteChannel image) {
        try {
            image.close();
        } catch (IOException e) {
            System.getLogger(LoopbackNetwork.class.getName()).log(System.Logger.Level.WARNING,
                    "could not close a snapshot image", e);
        }
    }

    @Override
    public void detach(long node) {
        RaftTransport transport = transports.remove(node);
        if (transport != null) {
            transport.close();
        }
    }

    @Override
    public void close() {
        transports.keySet().forEach(this::detach);
    }
}
