package io.flotilla.raft.transport;

import io.flotilla.raft.wire.Frame;
import io.flotilla.raft.wire.FrameCodec;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DuplexChannel;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * The receiving end of one snapshot stream, running on a snapshot thread. The channel does not
 * read on its own: each frame is handed to the sink and only then is the next read requested, so
 * a slow disk slows the sender down instead of filling memory.
 */
final class SnapshotReceiver extends SimpleChannelInboundHandler<Frame> {

    private static final Logger LOG = System.getLogger(SnapshotReceiver.class.getName());
    private static final long DRAIN_GRACE_SECONDS = 10;

    private final long self;
    private final SnapshotSinks sinks;
    private final CRC32C crc = new CRC32C();
    private Frame.SnapshotHeader header;
    private SnapshotSink sink;
    private long chunks;
    private long bytes;
    /** The sink was completed or aborted; nothing may reach it any more. */
    private boolean ended;
    /** We refused the stream and are discarding what the sender still had in flight. */
    private boolean draining;

    SnapshotReceiver(long self, SnapshotSinks sinks) {
        this.self = self;
        this.sinks = sinks;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        if (draining) {
            ctx.read();
            return;
        }
        if (ended) {
            return;
        }
        try {
            if (header == null) {
                open(frame);
            } else if (frame instanceof Frame.SnapshotChunk chunk) {
                crc.update(chunk.data().duplicate());
                bytes += chunk.data().remaining();
                chunks++;
                sink.accept(chunk.data());
            } else if (frame instanceof Frame.SnapshotEnd end) {
                finish(ctx, end);
                return;
            } else {
                refuse(ctx, "unexpected " + frame.getClass().getSimpleName() + " in a snapshot stream", null);
                return;
            }
        } catch (IOException | RuntimeException e) {
            refuse(ctx, "the receiver failed: " + e, e);
            return;
        }
        ctx.read();
    }

    private void open(Frame frame) throws IOException {
        if (!(frame instanceof Frame.SnapshotHeader h)) {
            throw new IllegalStateException("a snapshot stream must start with its header");
        }
        if (h.announcement().to() != self) {
            throw new IOException("snapshot is meant for node " + h.announcement().to() + ", this is node " + self);
        }
        header = h;
        sink = sinks.open(h.group(), h.announcement());
        if (sink == null) {
            throw new IllegalStateException("snapshot sink factory returned null");
        }
        LOG.log(Level.INFO, "receiving snapshot of group {0} at index {1} from node {2}",
                h.group(), h.announcement().snapshot().index(), h.announcement().from());
    }

    private void finish(ChannelHandlerContext ctx, Frame.SnapshotEnd end) throws IOException {
        int crc32c = (int) crc.getValue();
        if (end.chunks() != chunks || end.bytes() != bytes || end.crc32c() != crc32c) {
            refuse(ctx, "stream does not match its end: sent " + end.chunks() + " chunks, " + end.bytes()
                    + " bytes, crc32c " + Integer.toHexString(end.crc32c()) + "; received " + chunks + ", " + bytes
                    + ", " + Integer.toHexString(crc32c), null);
            return;
        }
        ended = true;
        try {
            sink.complete();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "sink for snapshot of group " + header.group() + " failed to complete", e);
            reply(ctx, new Frame.SnapshotRefused("the receiver failed to complete: " + e));
            return;
        }
        LOG.log(Level.INFO, "received snapshot of group {0}: {1} bytes in {2} chunks", header.group(), bytes, chunks);
        reply(ctx, new Frame.SnapshotAccepted());
    }

    /**
     * Tells the sender why, then half-closes and keeps reading until the sender hangs up: closing
     * with its chunks still unread would reset the connection, and a reset can discard the refusal
     * before the sender reads it.
     */
    private void refuse(ChannelHandlerContext ctx, String reason, Throwable cause) {
        LOG.log(Level.WARNING, "refusing snapshot stream from {0}: {1}", ctx.channel().remoteAddress(), reason);
        abort(new IOException(reason, cause));
        draining = true;
        ctx.writeAndFlush(Frames.buffer(FrameCodec.encode(new Frame.SnapshotRefused(reason)))).addListener(written -> {
            if (written.isSuccess() && ctx.channel() instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
            } else {
                ctx.close();
            }
        });
        // A sender that keeps streaming after the refusal is cut off after a grace period.
        ctx.executor().schedule(() -> ctx.close(), DRAIN_GRACE_SECONDS, TimeUnit.SECONDS);
        ctx.read();
    }

    private void reply(ChannelHandlerContext ctx, Frame answer) {
        ctx.writeAndFlush(Frames.buffer(FrameCodec.encode(answer))).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        abort(new IOException("snapshot stream cut after " + bytes + " bytes in " + chunks + " chunks"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        abort(new IOException("snapshot stream failed after " + bytes + " bytes", cause));
        Frames.close(LOG, ctx.channel(), "snapshot stream from " + ctx.channel().remoteAddress(), cause);
    }

    private void abort(IOException cause) {
        if (ended) {
            return;
        }
        ended = true;
        if (sink == null) {
            return;
        }
        try {
            sink.abort(cause);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "snapshot sink of group " + header.group() + " threw from abort", e);
        }
    }
}
