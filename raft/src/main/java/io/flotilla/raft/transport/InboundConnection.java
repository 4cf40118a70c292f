package io.flotilla.raft.transport;

import io.flotilla.raft.wire.Frame;
import io.flotilla.raft.wire.GroupMessage;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.IOException;
import java.lang.System.Logger;
import java.net.InetSocketAddress;

/**
 * A connection another node opened to this one. Its first frame says what it is: a Hello opens a
 * message connection, whose batches are delivered here on the event loop; a SnapshotHeader opens
 * a snapshot stream, which this handler passes to a {@link SnapshotReceiver} on a snapshot thread.
 * Anything else, or a batch not addressed as the Hello said, closes the connection.
 */
final class InboundConnection extends SimpleChannelInboundHandler<Frame> {

    private static final Logger LOG = System.getLogger(InboundConnection.class.getName());

    private final long self;
    private final InboundMessages inbound;
    private final InboundCounters counters;
    private final SnapshotSinks snapshots;
    private final EventExecutorGroup snapshotThreads;
    private final AddressBook peers;
    /** The node at the other end, once its Hello arrived; 0 before. */
    private long peer;

    InboundConnection(long self, InboundMessages inbound, InboundCounters counters, SnapshotSinks snapshots,
                      EventExecutorGroup snapshotThreads, AddressBook peers) {
        this.peers = peers;
        this.self = self;
        this.inbound = inbound;
        this.counters = counters;
        this.snapshots = snapshots;
        this.snapshotThreads = snapshotThreads;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        if (peer == 0) {
            opening(ctx, frame);
            return;
        }
        if (!(frame instanceof Frame.Batch batch)) {
            reject(ctx, "unexpected " + frame.getClass().getSimpleName() + " on a message connection");
            return;
        }
        if (batch.from() != peer || batch.to() != self) {
            reject(ctx, "batch from " + batch.from() + " to " + batch.to() + " on the connection from " + peer);
            return;
        }
        counters.frames.incrementAndGet();
        inbound.heard(peer);
        for (GroupMessage m : batch.messages()) {
            inbound.deliver(m.group(), m.message());
            counters.messages.incrementAndGet();
        }
    }

    /**
     * A node that joined later tells where it listens; configured addresses are never overwritten.
     * Kept as a name, unresolved: it is resolved at each connection attempt, as configured ones are.
     */
    private void learnAddress(Frame.Hello hello) {
        String a = hello.listenAddress();
        int colon = a.lastIndexOf(':');
        if (colon > 0) {
            try {
                peers.learn(hello.from(), InetSocketAddress.createUnresolved(a.substring(0, colon),
                        Integer.parseInt(a.substring(colon + 1))));
            } catch (IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, "node " + hello.from() + " advertised an unusable address " + a);
            }
        }
    }

    private void opening(ChannelHandlerContext ctx, Frame frame) {
        if (frame instanceof Frame.Hello hello) {
            if (hello.to() != self) {
                reject(ctx, "hello from node " + hello.from() + " is meant for node " + hello.to()
                        + " (a stale address book?)");
            } else if (hello.from() == self) {
                reject(ctx, "hello claims to come from this node");
            } else {
                peer = hello.from();
                learnAddress(hello);
            }
        } else if (frame instanceof Frame.SnapshotHeader) {
            // Sinks may block on disk, so the stream moves off this event loop, which carries heartbeats.
            ctx.pipeline().addLast(snapshotThreads, "snapshot-receiver", new SnapshotReceiver(self, snapshots));
            ctx.channel().config().setAutoRead(false);
            ctx.fireChannelRead(frame);
            ctx.pipeline().remove(this);
        } else {
            reject(ctx, "first frame is " + frame.getClass().getSimpleName() + ", not a hello or snapshot header");
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            counters.failedConnections.incrementAndGet();
        }
        Frames.close(LOG, ctx.channel(), name(ctx), cause);
    }

    private void reject(ChannelHandlerContext ctx, String reason) {
        counters.failedConnections.incrementAndGet();
        Frames.close(LOG, ctx.channel(), name(ctx), reason);
    }

    private String name(ChannelHandlerContext ctx) {
        return "inbound connection from " + (peer == 0 ? ctx.channel().remoteAddress() : "node " + peer);
    }
}
