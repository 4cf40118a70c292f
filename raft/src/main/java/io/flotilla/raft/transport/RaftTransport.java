package io.flotilla.raft.transport;

import io.flotilla.raft.core.Message;
import io.flotilla.raft.wire.Frame;
import io.flotilla.raft.wire.FrameCodec;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ReadableByteChannel;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

/**
 * One node's end of the node-to-node network: every group's messages to and from every peer, and
 * snapshot streams. It knows nothing of Raft beyond message addressing: it batches, frames, queues,
 * drops when a peer cannot keep up, and reconnects.
 *
 * <p>Connections: this node dials one message connection to each peer it sends to and accepts
 * one from each peer that sends to it, so each direction of a node pair has exactly one
 * connection and there is no duplicate to resolve. Each snapshot travels on a connection of its
 * own, whose reading and writing run on separate snapshot threads, so that neither the stream's
 * bytes nor a blocking source or sink delays messages.
 *
 * <p>The transport owns its event loops and every channel on them; {@link #close()} ends all of
 * them, failing snapshot transfers in flight on both sides.
 */
public final class RaftTransport implements AutoCloseable {

    private static final Logger LOG = System.getLogger(RaftTransport.class.getName());
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 10;

    private final TransportConfig config;
    private final RandomGenerator random;
    private final EventLoopGroup messageLoops;
    private final EventLoopGroup snapshotLoops;
    private final Bootstrap messageBootstrap;
    private final Bootstrap snapshotBootstrap;
    private final Channel server;
    private final InboundCounters inboundCounters = new InboundCounters();
    private final Map<Long, OutboundLink> links = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private RaftTransport(TransportConfig config, InboundMessages inbound, SnapshotSinks snapshots,
                          RandomGenerator random) throws IOException {
        this.config = config;
        this.random = random;
        String name = "flotilla-transport-" + config.nodeId();
        this.messageLoops = new NioEventLoopGroup(config.ioThreads(), new DefaultThreadFactory(name + "-io", true));
        this.snapshotLoops = new NioEventLoopGroup(config.snapshotThreads(),
                new DefaultThreadFactory(name + "-snapshot", true));
        int connectMillis = (int) config.connectTimeout().toMillis();
        this.messageBootstrap = new Bootstrap()
                .channel(NioSocketChannel.class)
                // Batching already coalesces writes; Nagle would only add latency to heartbeats.
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis);
        int chunk = config.snapshotChunkBytes();
        this.snapshotBootstrap = new Bootstrap()
                .group(snapshotLoops)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
                // About two chunks in flight: enough to keep the pipe full, little enough to bound memory.
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(chunk, 2 * (chunk + TransportConfig.CHUNK_FRAME_OVERHEAD)));
        ServerBootstrap serverBootstrap = new ServerBootstrap()
                .group(messageLoops)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Frames.install(ch.pipeline(), config.maxFrameBytes());
                        ch.pipeline().addLast(new InboundConnection(config.nodeId(), inbound, inboundCounters,
                                snapshots, snapshotLoops, config.peers()));
                    }
                });
        ChannelFuture bound = serverBootstrap.bind(config.listenAddress()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            shutDownLoops();
            throw new IOException("node " + config.nodeId() + " cannot listen on " + config.listenAddress(),
                    bound.cause());
        }
        this.server = bound.channel();
        LOG.log(Level.INFO, "node {0} listening on {1}", config.nodeId(), server.localAddress());
    }

    /**
     * Binds the listen address and starts the event loops.
     *
     * @param inbound   receives every message from peers, on an event loop
     * @param snapshots opens a sink for every snapshot stream from peers
     * @param random    jitter of reconnect delays; used from several threads, so it must be
     *                  thread-safe (java.util.Random is)
     * @throws IOException if the address cannot be bound
     */
    public static RaftTransport start(TransportConfig config, InboundMessages inbound, SnapshotSinks snapshots,
                                      RandomGenerator random) throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(inbound, "inbound");
        Objects.requireNonNull(snapshots, "snapshots");
        Objects.requireNonNull(random, "random");
        return new RaftTransport(config, inbound, snapshots, random);
    }

    /** The settings it runs with (its frame limit bounds what the layers above may send through it). */
    public TransportConfig config() {
        return config;
    }

    public long nodeId() {
        return config.nodeId();
    }

    /** The address actually bound; its port is the chosen one when the config asked for port 0. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    /**
     * Queues {@code message} (which must be from this node to another) for its recipient; it goes
     * out in the next batch to that peer. Never blocks: when the peer's queue is full the message is
     * dropped and counted in {@link #stats(long)}. Callable from any thread.
     */
    public void send(long group, Message message) {
        checkOpen();
        if (message.from() != config.nodeId() || message.to() == config.nodeId()) {
            throw new IllegalArgumentException("node " + config.nodeId() + " cannot send a message from "
                    + message.from() + " to " + message.to());
        }
        link(message.to()).send(FrameCodec.prepare(group, message), Message.isLeadershipTraffic(message));
    }

    /**
     * Tells {@code peer} this node is live: an empty batch, unless messages to it go out at the same
     * flush anyway. Never blocks; callable from any thread.
     */
    public void ping(long peer) {
        checkOpen();
        if (peer == config.nodeId()) {
            throw new IllegalArgumentException("node " + peer + " cannot ping itself");
        }
        link(peer).ping();
    }

    /**
     * Gives up the message connection to {@code peer} at once, discarding what the socket still
     * holds (an abortive close), and dials anew: for a peer that fell silent, so that what was sent
     * into the silence is not delivered late. Never blocks; callable from any thread.
     */
    public void replaceConnection(long peer) {
        checkOpen();
        OutboundLink link = links.get(peer);
        if (link != null) {
            link.replaceConnection();
        }
    }

    /**
     * Streams a snapshot image of {@code group} on a connection of its own. The transfer takes
     * ownership of {@code source} (a blocking channel, read on a snapshot thread) and closes it.
     * The future completes when the receiver has stored and verified every byte, and fails if
     * the stream breaks, the source fails, or the receiver refuses.
     */
    public CompletableFuture<Void> sendSnapshot(long group, Message.InstallSnapshot announcement,
                                                ReadableByteChannel source) {
        Objects.requireNonNull(source, "source");
        checkOpen();
        if (announcement.from() != config.nodeId() || announcement.to() == config.nodeId()) {
            throw new IllegalArgumentException("node " + config.nodeId() + " cannot send a snapshot from "
                    + announcement.from() + " to " + announcement.to());
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        var sender = new SnapshotSender(new Frame.SnapshotHeader(group, announcement), source,
                config.snapshotChunkBytes(), result);
        Optional<InetSocketAddress> address = config.peers().address(announcement.to());
        if (address.isEmpty()) {
            sender.abandon(new IOException("no address for node " + announcement.to()));
            return result;
        }
        InetSocketAddress target;
        try {
            // Resolved for this stream alone, as a message link resolves at each dial.
            target = config.resolver().dialable(address.get());
        } catch (UnknownHostException e) {
            sender.abandon(new IOException("cannot resolve node " + announcement.to() + "'s host "
                    + address.get().getHostString() + " for a snapshot", e));
            return result;
        }
        int maxFrameBytes = config.maxFrameBytes();
        snapshotBootstrap.clone()
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Frames.install(ch.pipeline(), maxFrameBytes);
                        ch.pipeline().addLast(sender);
                    }
                })
                .connect(target)
                .addListener((ChannelFuture f) -> {
                    if (!f.isSuccess()) {
                        sender.abandon(new IOException("cannot connect to node " + announcement.to() + " at "
                                + address.get() + " for a snapshot", f.cause()));
                    }
                });
        return result;
    }

    /** Outbound counters for one peer (all zero for a peer never sent to). */
    public PeerStats stats(long peer) {
        OutboundLink link = links.get(peer);
        return link == null ? new PeerStats(0, 0, 0, 0, 0, 0, 0) : link.stats();
    }

    public InboundStats inboundStats() {
        return inboundCounters.snapshot();
    }

    /**
     * Closes every connection and stops the event loops, waiting for them. Snapshot transfers in
     * flight fail on both ends. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        links.values().forEach(OutboundLink::close);
        server.close().awaitUninterruptibly();
        shutDownLoops();
        LOG.log(Level.INFO, "node {0} transport closed", config.nodeId());
    }

    /**
     * Message loops first: closing their channels hands the snapshot receivers' last events to the
     * snapshot loops, which must still run them so that every sink is aborted.
     */
    private void shutDownLoops() {
        awaitShutdown(messageLoops);
        awaitShutdown(snapshotLoops);
    }

    private static void awaitShutdown(EventLoopGroup group) {
        Future<?> done = group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!done.awaitUninterruptibly(2 * SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            LOG.log(Level.WARNING, "event loops did not stop within {0} s", 2 * SHUTDOWN_TIMEOUT_SECONDS);
        }
    }

    private OutboundLink link(long peer) {
        return links.computeIfAbsent(peer, p -> new OutboundLink(config, p, messageLoops.next(), messageBootstrap,
                new Backoff(config.reconnectMin(), config.reconnectMax(), random), advertisedAddress()));
    }

    /**
     * Where peers can reach this node: the configured advertised address (its port 0 read as the
     * bound port), else the bound address unless it is a wildcard, which no peer can dial (then
     * nothing: peers must be configured with this node's address).
     */
    private String advertisedAddress() {
        InetSocketAddress bound = localAddress();
        return config.advertisedAddress()
                .map(a -> a.getHostString() + ":" + (a.getPort() == 0 ? bound.getPort() : a.getPort()))
                .orElseGet(() -> bound.getAddress() == null || bound.getAddress().isAnyLocalAddress() ? ""
                        : bound.getHostString() + ":" + bound.getPort());
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("transport of node " + config.nodeId() + " is closed");
        }
    }
}
