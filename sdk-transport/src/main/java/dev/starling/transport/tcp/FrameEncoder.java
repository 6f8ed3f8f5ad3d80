package dev.starling.transport.tcp;

import dev.starling.api.spi.FrameLimits;
import dev.starling.transport.netty.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Writes a {@link Frame} as two buffers: a small one holding the length fields and the header, then the payload
 * buffer itself, untouched, so a piece goes out to many peers without being copied:
 * <pre>
 * +-------------------+--------------------+---------------------------+---------------------+
 * | frame length: u32 | header length: u32 | header: protobuf Control  | payload: raw bytes  |
 * +-------------------+--------------------+---------------------------+---------------------+
 *                     |&lt;------------------------- frame length --------------------------------&gt;|
 * </pre>
 * Big-endian, the layout of {@code dev.starling.core.wire.FrameFormat}. Stateless, so one instance serves every
 * channel.
 */
@ChannelHandler.Sharable
public final class FrameEncoder extends MessageToMessageEncoder<Frame> {
    /** The shared instance. */
    public static final FrameEncoder INSTANCE = new FrameEncoder();

    private FrameEncoder() {
        super(Frame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
        byte[] header = frame.header();
        ByteBuf payload = frame.payload();
        int payloadBytes = payload.readableBytes();
        FrameLimits.requireWithinLimits(header.length, payloadBytes); // Netty wraps it in an EncoderException
        ByteBuf prefix = ctx.alloc().buffer(8 + header.length);
        prefix.writeInt(4 + header.length + payloadBytes).writeInt(header.length).writeBytes(header);
        out.add(prefix);
        if (payloadBytes > 0) {
            // MessageToMessageEncoder releases the frame after encode; the payload must outlive it on the wire.
            out.add(payload.retain());
        }
    }
}
