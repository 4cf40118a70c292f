package io.flotilla.raft.transport;

import io.flotilla.raft.wire.FrameCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;

/**
 * Turns one length-delimited frame into a {@link io.flotilla.raft.wire.Frame}. A malformed one
 * surfaces as a DecoderException wrapping MalformedMessageException, which closes the connection.
 */
final class FrameDecoder extends MessageToMessageDecoder<ByteBuf> {

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) throws Exception {
        // A copy, because decoded frames alias their bytes and outlive the pooled buffer.
        out.add(FrameCodec.decode(ByteBufUtil.getBytes(frame)));
    }
}
