package io.flotilla.raft.transport;

import io.flotilla.raft.wire.MalformedMessageException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/** Framing shared by every connection: a 4-byte big-endian length, then one protobuf Frame. */
final class Frames {

    static final int LENGTH_PREFIX_BYTES = 4;

    private Frames() {
    }

    /** Adds the framing handlers; the caller adds its own handler after them. */
    static void install(ChannelPipeline pipeline, int maxFrameBytes) {
        // failFast: an oversized length closes the connection at once, without reading the body.
        pipeline.addLast("length-decoder", new LengthFieldBasedFrameDecoder(
                maxFrameBytes + LENGTH_PREFIX_BYTES, 0, LENGTH_PREFIX_BYTES, 0, LENGTH_PREFIX_BYTES, true));
        pipeline.addLast("length-prepender", new LengthFieldPrepender(LENGTH_PREFIX_BYTES));
        pipeline.addLast("frame-decoder", new FrameDecoder());
    }

    static ByteBuf buffer(byte[] encodedFrame) {
        return Unpooled.wrappedBuffer(encodedFrame);
    }

    /**
     * Closes a connection that failed, logging why: protocol violations by the peer as warnings,
     * plain network failures (the peer went away) as info, anything else as an error.
     */
    static void close(Logger log, Channel channel, String connection, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            log.log(Level.WARNING, "closing {0}: oversized frame ({1})", connection, cause.getMessage());
        } else if (cause instanceof DecoderException && cause.getCause() instanceof MalformedMessageException) {
            log.log(Level.WARNING, "closing {0}: malformed frame ({1})", connection, cause.getCause().getMessage());
        } else if (cause instanceof IOException) {
            log.log(Level.INFO, "closing {0}: {1}", connection, cause.toString());
        } else {
            log.log(Level.ERROR, "closing " + connection + ": unexpected failure", cause);
        }
        channel.close();
    }

    /** Closes a connection whose peer broke the protocol in a way the codec cannot see. */
    static void close(Logger log, Channel channel, String connection, String reason) {
        log.log(Level.WARNING, "closing {0}: {1}", connection, reason);
        channel.close();
    }
}
