package io.flotilla.raft.transport;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of one node's transport.
 *
 * @param nodeId             this node
 * @param listenAddress      what the transport binds (port 0: any free port, see {@link RaftTransport#localAddress()})
 * @param advertisedAddress  where peers are told to dial this node (in the Hello of each connection
 *                           it opens), when that is not the bound address: a host name, or the
 *                           address in front of a wildcard ({@code 0.0.0.0}) bind; port 0 there
 *                           stands for the bound port. Empty: the bound address, unless it is a
 *                           wildcard, in which case peers are told nothing
 * @param peers              where the other nodes listen; shared with whoever updates it
 * @param resolver           turns peers' host names into addresses at each connection attempt
 * @param maxFrameBytes      the largest frame sent or accepted (length prefix excluded); a larger
 *                           incoming one closes the connection, a message too large for it is dropped
 * @param maxQueuedMessages  per peer: messages waiting to be sent beyond this are dropped
 * @param maxQueuedBytes     per peer: the same bound in encoded bytes
 * @param reconnectMin       first reconnect delay; doubles per failed attempt
 * @param reconnectMax       cap of the reconnect delay
 * @param connectTimeout     how long one connection attempt may take
 * @param snapshotChunkBytes bytes of snapshot image per frame
 * @param ioThreads          event loops for message connections
 * @param snapshotThreads    threads for snapshot streams (they may block on the source or sink)
 */
public record TransportConfig(
        long nodeId,
        InetSocketAddress listenAddress,
        Optional<InetSocketAddress> advertisedAddress,
        AddressBook peers,
        HostResolver resolver,
        int maxFrameBytes,
        int maxQueuedMessages,
        long maxQueuedBytes,
        Duration reconnectMin,
        Duration reconnectMax,
        Duration connectTimeout,
        int snapshotChunkBytes,
        int ioThreads,
        int snapshotThreads) {

    /** What a chunk frame adds around the chunk's bytes (two tags and two length varints). */
    static final int CHUNK_FRAME_OVERHEAD = 16;

    public TransportConfig {
        if (nodeId <= 0) {
            throw new IllegalArgumentException("not a node id: " + nodeId);
        }
        Objects.requireNonNull(listenAddress, "listenAddress");
        Objects.requireNonNull(advertisedAddress, "advertisedAddress");
        Objects.requireNonNull(peers, "peers");
        Objects.requireNonNull(resolver, "resolver");
        Objects.requireNonNull(reconnectMin, "reconnectMin");
        Objects.requireNonNull(reconnectMax, "reconnectMax");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (maxQueuedMessages < 1 || maxQueuedBytes < 1) {
            throw new IllegalArgumentException("queue limits must be positive");
        }
        if (reconnectMin.isNegative() || reconnectMin.isZero() || reconnectMax.compareTo(reconnectMin) < 0) {
            throw new IllegalArgumentException("need 0 < reconnectMin <= reconnectMax");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero() || connectTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("connectTimeout out of range: " + connectTimeout);
        }
        if (snapshotChunkBytes < 1) {
            throw new IllegalArgumentException("snapshotChunkBytes must be positive");
        }
        if (maxFrameBytes < snapshotChunkBytes + CHUNK_FRAME_OVERHEAD || maxFrameBytes > Integer.MAX_VALUE - 4) {
            throw new IllegalArgumentException("maxFrameBytes " + maxFrameBytes + " cannot hold a snapshot chunk of "
                    + snapshotChunkBytes + " bytes");
        }
        if (ioThreads < 1 || snapshotThreads < 1) {
            throw new IllegalArgumentException("thread counts must be positive");
        }
    }

    /**
     * 16 MiB frames (the core's appends are at most 1 MiB by default, and a batch holds several),
     * 4096 messages or 64 MiB queued per peer, reconnects after 50 ms doubling up to 2 s, 1 MiB
     * snapshot chunks; advertised as bound; names resolved by the JDK.
     */
    public static TransportConfig defaults(long nodeId, InetSocketAddress listenAddress, AddressBook peers) {
        return new TransportConfig(nodeId, listenAddress, Optional.empty(), peers, HostResolver.SYSTEM, 16 << 20,
                4096, 64L << 20, Duration.ofMillis(50), Duration.ofSeconds(2), Duration.ofSeconds(5), 1 << 20, 2, 2);
    }

    public TransportConfig withListenAddress(InetSocketAddress address) {
        return new TransportConfig(nodeId, address, advertisedAddress, peers, resolver, maxFrameBytes,
                maxQueuedMessages, maxQueuedBytes, reconnectMin, reconnectMax, connectTimeout, snapshotChunkBytes,
                ioThreads, snapshotThreads);
    }

    public TransportConfig withAdvertisedAddress(InetSocketAddress address) {
        return new TransportConfig(nodeId, listenAddress, Optional.of(address), peers, resolver, maxFrameBytes,
                maxQueuedMessages, maxQueuedBytes, reconnectMin, reconnectMax, connectTimeout, snapshotChunkBytes,
                ioThreads, snapshotThreads);
    }

    public TransportConfig withResolver(HostResolver hostResolver) {
        return new TransportConfig(nodeId, listenAddress, advertisedAddress, peers, hostResolver, maxFrameBytes,
                maxQueuedMessages, maxQueuedBytes, reconnectMin, reconnectMax, connectTimeout, snapshotChunkBytes,
                ioThreads, snapshotThreads);
    }

    public TransportConfig withMaxFrameBytes(int bytes) {
        return new TransportConfig(nodeId, listenAddress, advertisedAddress, peers, resolver, bytes,
                maxQueuedMessages, maxQueuedBytes, reconnectMin, reconnectMax, connectTimeout, snapshotChunkBytes,
                ioThreads, snapshotThreads);
    }

    public TransportConfig withQueueLimits(int messages, long bytes) {
        return new TransportConfig(nodeId, listenAddress, advertisedAddress, peers, resolver, maxFrameBytes,
                messages, bytes, reconnectMin, reconnectMax, connectTimeout, snapshotChunkBytes, ioThreads,
                snapshotThreads);
    }

    public TransportConfig withReconnect(Duration min, Duration max) {
        return new TransportConfig(nodeId, listenAddress, advertisedAddress, peers, resolver, maxFrameBytes,
                maxQueuedMessages, maxQueuedBytes, min, max, connectTimeout, snapshotChunkBytes, ioThreads,
                snapshotThreads);
    }

    public TransportConfig withSnapshotChunkBytes(int bytes) {
        return new TransportConfig(nodeId, listenAddress, advertisedAddress, peers, resolver, maxFrameBytes,
                maxQueuedMessages, maxQueuedBytes, reconnectMin, reconnectMax, connectTimeout, bytes, ioThreads,
                snapshotThreads);
    }
}
