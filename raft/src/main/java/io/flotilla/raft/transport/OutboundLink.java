package io.flotilla.raft.transport;

import io.flotilla.raft.wire.Frame;
import io.flotilla.raft.wire.FrameCodec;
import io.flotilla.raft.wire.PreparedMessage;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This node's message connection to one peer, with the queues in front of it. Any thread may
 * {@link #send}; everything else (connecting, batching, writing, reconnecting) runs on the one
 * event loop the link is bound to, so that state needs no locks.
 *
 * <p>The link dials and keeps its connection up from the first message on, reconnecting with
 * {@link Backoff} whenever it breaks or cannot be made. Messages wait in the queues while there
 * is no connection or the socket is not writable; their bounds turn a dead or slow peer
 * into dropped messages, never into memory.
 *
 * <p>Two queues, drained leadership first into every batch: heartbeats, votes and their answers
 * never wait behind appends queued before them (up to a frame's worth at a time), nor are they
 * dropped because appends filled the queue. Raft tolerates the reordering between the two.
 */
final class OutboundLink {

    private static final Logger LOG = System.getLogger(OutboundLink.class.getName());

    private final long self;
    private final long peer;
    private final AddressBook peers;
    private final HostResolver resolver;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final OutboundQueue replication;
    private final OutboundQueue leadership;
    private final Backoff backoff;
    private final int maxBatchBytes;

    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private volatile boolean pingRequested;
    /** Set while messages are being dropped, so a burst of drops logs once. */
    private final AtomicBoolean dropping = new AtomicBoolean();
    private final AtomicLong sentMessages = new AtomicLong();
    private final AtomicLong sentFrames = new AtomicLong();
    private final AtomicLong droppedQueueFull = new AtomicLong();
    private final AtomicLong droppedOversized = new AtomicLong();
    private final AtomicLong connects = new AtomicLong();
    private volatile boolean closed;
    /** Sent in the Hello, so the peer can reach this node even if it was not configured with its address. */
    private final String listenAddress;

    // Confined to the event loop.
    private Channel channel;
    private boolean connecting;
    private ScheduledFuture<?> reconnect;

    OutboundLink(TransportConfig config, long peer, EventLoop loop, Bootstrap template, Backoff backoff,
                 String listenAddress) {
        this.listenAddress = listenAddress;
        this.self = config.nodeId();
        this.peer = peer;
        this.peers = config.peers();
        this.resolver = config.resolver();
        this.loop = loop;
        this.replication = new OutboundQueue(config.maxQueuedMessages(), config.maxQueuedBytes());
        this.leadership = new OutboundQueue(config.maxQueuedMessages(), config.maxQueuedBytes());
        this.backoff = backoff;
        this.maxBatchBytes = config.maxFrameBytes() - FrameCodec.BATCH_OVERHEAD_BYTES;
        int maxFrameBytes = config.maxFrameBytes();
        this.bootstrap = template.clone(loop).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                Frames.install(ch.pipeline(), maxFrameBytes);
                ch.pipeline().addLast(new ConnectionEvents());
            }
        });
    }

    /**
     * Queues a message for the peer, or drops it (counted, logged once per burst) if it cannot be.
     *
     * @param leadershipTraffic heartbeats, votes and their answers, which go ahead of the rest
     */
    void send(PreparedMessage message, boolean leadershipTraffic) {
        if (message.batchBytes() > maxBatchBytes) {
            droppedOversized.incrementAndGet();
            LOG.log(Level.WARNING, "dropping a message of {0} bytes to node {1}: larger than a frame may be",
                    message.batchBytes(), peer);
            return;
        }
        if (!(leadershipTraffic ? leadership : replication).offer(message)) {
            droppedQueueFull.incrementAndGet();
            if (dropping.compareAndSet(false, true)) {
                LOG.log(Level.WARNING, "queue to node {0} is full ({1} messages, {2} bytes): dropping messages"
                        + " until it drains", peer, replication.messages(), replication.bytes());
            }
            return;
        }
        if (dropping.get() && dropping.compareAndSet(true, false)) {
            LOG.log(Level.INFO, "queue to node {0} accepts messages again; {1} dropped so far",
                    peer, droppedQueueFull.get());
        }
        scheduleFlush();
    }

    /** Sends an empty batch at the next flush unless something else goes out then anyway. */
    void ping() {
        pingRequested = true;
        scheduleFlush();
    }

    /**
     * Closes the connection abortively (SO_LINGER 0: a reset, and the kernel drops what it had not
     * delivered yet) and dials anew after the first back-off step. Messages still queued here are
     * kept and go out on the new connection.
     */
    void replaceConnection() {
        try {
            loop.execute(() -> {
                Channel ch = channel;
                if (closed || ch == null) {
                    return;   // not connected: nothing is held that could arrive late
                }
                LOG.log(Level.INFO, "node {0} fell silent: giving up the connection to it with what it still holds, "
                        + "and dialling anew", peer);
                backoff.reset();
                ch.config().setOption(ChannelOption.SO_LINGER, 0);
                ch.close();
            });
        } catch (RejectedExecutionException e) {
            LOG.log(Level.DEBUG, "not replacing the connection to node {0}: the transport is closing", peer);
        }
    }

    PeerStats stats() {
        return new PeerStats(replication.messages() + leadership.messages(), replication.bytes() + leadership.bytes(),
                sentMessages.get(), sentFrames.get(),
                droppedQueueFull.get(), droppedOversized.get(), connects.get());
    }

    /** Stops reconnecting; the transport closes the channel by shutting down its event loops. */
    void close() {
        closed = true;
    }

    private void scheduleFlush() {
        if (flushScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(this::flush);
            } catch (RejectedExecutionException e) {
                // Only while the transport shuts down; the queued messages go with it.
                LOG.log(Level.DEBUG, "not flushing to node {0}: the transport is closing", peer);
            }
        }
    }

    /** Writes everything queued as batch frames, as long as the socket takes more. */
    private void flush() {
        flushScheduled.set(false);
        if (closed) {
            return;
        }
        Channel ch = channel;
        if (ch == null) {
            connect();
            return;
        }
        List<PreparedMessage> batch = new ArrayList<>();
        boolean wrote = false;
        while (ch.isWritable() && fill(batch) > 0) {
            ch.write(Frames.buffer(FrameCodec.encodeBatch(self, peer, batch)), ch.voidPromise());
            sentMessages.addAndGet(batch.size());
            sentFrames.incrementAndGet();
            batch.clear();
            wrote = true;
        }
        if (pingRequested && ch.isWritable()) {
            pingRequested = false;
            if (!wrote) {
                // Any frame shows the peer we are live; an empty batch is the smallest one.
                ch.write(Frames.buffer(FrameCodec.encodeBatch(self, peer, List.of())), ch.voidPromise());
                sentFrames.incrementAndGet();
                wrote = true;
            }
        }
        if (wrote) {
            ch.flush();
        }
    }

    /** Leadership traffic first, then the rest as far as the frame allows. */
    private int fill(List<PreparedMessage> batch) {
        int taken = leadership.drainTo(batch, maxBatchBytes);
        long bytes = 0;
        for (PreparedMessage m : batch) {
            bytes += m.batchBytes();
        }
        return taken + replication.drainTo(batch, maxBatchBytes, bytes);
    }

    private void connect() {
        if (closed || channel != null || connecting || reconnect != null) {
            return;
        }
        Optional<InetSocketAddress> address = peers.address(peer);
        if (address.isEmpty()) {
            LOG.log(Level.DEBUG, "no address for node {0} yet", peer);
            retryLater();
            return;
        }
        InetSocketAddress target;
        try {
            // Resolved at every attempt, never kept: a peer known by name may have come back at another IP.
            // Blocking, like Netty's default resolver; a name that no longer exists fails fast (NXDOMAIN).
            target = resolver.dialable(address.get());
        } catch (UnknownHostException e) {
            LOG.log(Level.INFO, "cannot resolve node {0}''s host {1}: {2}", peer, address.get().getHostString(),
                    e.toString());
            retryLater();
            return;
        }
        connecting = true;
        bootstrap.connect(target).addListener((ChannelFuture f) -> connected(f, address.get(), target));
    }

    private void connected(ChannelFuture attempt, InetSocketAddress address, InetSocketAddress target) {
        connecting = false;
        Channel ch = attempt.channel();
        if (closed) {
            ch.close();
            return;
        }
        if (!attempt.isSuccess()) {
            LOG.log(Level.INFO, "cannot connect to node {0} at {1}:{2} ({3}): {4}", peer, address.getHostString(),
                    String.valueOf(address.getPort()), target.getAddress().getHostAddress(), attempt.cause().toString());
            retryLater();
            return;
        }
        ch.write(Frames.buffer(FrameCodec.encode(new Frame.Hello(self, peer, listenAddress))), ch.voidPromise());
        channel = ch;
        backoff.reset();
        connects.incrementAndGet();
        ch.closeFuture().addListener(f -> disconnected(ch));
        flush();
        ch.flush();
    }

    private void disconnected(Channel ch) {
        if (channel == ch) {
            channel = null;
            LOG.log(Level.INFO, "connection to node {0} closed; {1} messages queued", peer, replication.messages());
        }
        retryLater();
    }

    private void retryLater() {
        if (closed || reconnect != null) {
            return;
        }
        try {
            reconnect = loop.schedule(() -> {
                reconnect = null;
                connect();
            }, backoff.nextDelayNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.log(Level.DEBUG, "not reconnecting to node {0}: the transport is closing", peer);
        }
    }

    /** What the connection itself reports: room to write again, failures, and traffic that must not come. */
    private final class ConnectionEvents extends ChannelInboundHandlerAdapter {

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                scheduleFlush();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Frames.close(LOG, ctx.channel(), connectionName(), "the peer sent " + msg.getClass().getSimpleName()
                    + " on a connection that only carries messages to it");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Frames.close(LOG, ctx.channel(), connectionName(), cause);
        }

        private String connectionName() {
            return "message connection " + self + " -> " + peer;
        }
    }
}
