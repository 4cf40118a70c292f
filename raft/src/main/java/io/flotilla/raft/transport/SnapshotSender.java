package io.flotilla.raft.transport;

import io.flotilla.raft.wire.Frame;
import io.flotilla.raft.wire.FrameCodec;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;

/**
 * The sending end of one snapshot stream, on its own connection and snapshot thread. It reads the
 * next chunk from the source only while the channel is writable, so at most about two chunks sit
 * in memory (the write buffer's high-water mark) however large the image and however slow the
 * receiver. The transfer owns the source and closes it when it ends either way.
 */
final class SnapshotSender extends SimpleChannelInboundHandler<Frame> {

    private static final Logger LOG = System.getLogger(SnapshotSender.class.getName());

    private final Frame.SnapshotHeader header;
    private final ReadableByteChannel source;
    private final ByteBuffer chunk;
    private final CompletableFuture<Void> result;
    private final CRC32C crc = new CRC32C();
    private long chunks;
    private long bytes;
    private boolean sentEnd;
    private boolean sourceClosed;

    SnapshotSender(Frame.SnapshotHeader header, ReadableByteChannel source, int chunkBytes,
                   CompletableFuture<Void> result) {
        this.header = header;
        this.source = source;
        this.chunk = ByteBuffer.allocate(chunkBytes);
        this.result = result;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.write(Frames.buffer(FrameCodec.encode(header)));
        pump(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            pump(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void pump(ChannelHandlerContext ctx) {
        while (!sentEnd && ctx.channel().isWritable()) {
            boolean endOfSource;
            try {
                endOfSource = fill();
            } catch (IOException | RuntimeException e) {
                fail(ctx, new IOException("reading the snapshot of group " + header.group() + " failed after "
                        + bytes + " bytes", e));
                return;
            }
            if (chunk.hasRemaining()) {
                crc.update(chunk.duplicate());
                bytes += chunk.remaining();
                chunks++;
                // Encoding copies the chunk, so the buffer is free for the next one right away.
                ctx.write(Frames.buffer(FrameCodec.encode(new Frame.SnapshotChunk(chunk))));
            }
            if (endOfSource) {
                ctx.write(Frames.buffer(FrameCodec.encode(new Frame.SnapshotEnd(chunks, bytes, (int) crc.getValue()))));
                sentEnd = true;
                closeSource();
            }
        }
        ctx.flush();
    }

    /** Reads one chunk (full unless the source ends) into {@link #chunk}, flipped; true at end of source. */
    private boolean fill() throws IOException {
        chunk.clear();
        while (chunk.hasRemaining()) {
            if (source.read(chunk) < 0) {
                chunk.flip();
                return true;
            }
        }
        chunk.flip();
        return false;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        if (frame instanceof Frame.SnapshotAccepted) {
            LOG.log(Level.INFO, "snapshot of group {0} delivered to node {1}: {2} bytes in {3} chunks",
                    header.group(), header.announcement().to(), bytes, chunks);
            result.complete(null);
        } else if (frame instanceof Frame.SnapshotRefused refused) {
            fail(ctx, new IOException("node " + header.announcement().to() + " refused the snapshot of group "
                    + header.group() + ": " + refused.reason()));
        } else {
            fail(ctx, new IOException("unexpected " + frame.getClass().getSimpleName() + " from the snapshot receiver"));
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, new IOException("snapshot connection to node " + header.announcement().to()
                + " closed after " + bytes + " bytes, before the receiver confirmed"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, new IOException("snapshot stream to node " + header.announcement().to() + " failed", cause));
    }

    private void fail(ChannelHandlerContext ctx, IOException cause) {
        abandon(cause);
        ctx.close();
    }

    /** Ends the transfer as failed, also when no connection was ever made. Call on the channel's event loop. */
    void abandon(IOException cause) {
        closeSource();
        if (result.completeExceptionally(cause)) {
            LOG.log(Level.WARNING, "snapshot of group {0} to node {1} failed: {2}",
                    header.group(), header.announcement().to(), cause.getMessage());
        }
    }

    private void closeSource() {
        if (sourceClosed) {
            return;
        }
        sourceClosed = true;
        try {
            source.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "closing the snapshot source of group " + header.group() + " failed", e);
        }
    }
}
