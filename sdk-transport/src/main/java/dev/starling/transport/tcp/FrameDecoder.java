package dev.starling.transport.tcp;

import dev.starling.api.spi.FrameLimits;
import dev.starling.core.wire.FrameFormat;
import dev.starling.core.wire.WireException;
import dev.starling.transport.netty.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;

/**
 * Reads the frames {@link FrameEncoder} writes. Both length fields are checked against {@link FrameLimits} as
 * soon as they have arrived, before the rest of the frame is buffered, so a peer that declares a huge frame is
 * refused after 8 bytes. The payload is a retained slice of the received bytes, not a copy.
 *
 * <p>A bad frame raises {@link CorruptedFrameException} (carrying the {@link WireException} message); the
 * transport closes that connection with it as the reason. Nothing more is read from the connection afterwards.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private boolean failed;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.readableBytes() >= FrameFormat.PREFIX_BYTES) {
            int start = in.readerIndex();
            long frameLength = in.getUnsignedInt(start);
            long headerLength = in.getUnsignedInt(start + 4);
            try {
                FrameFormat.checkLengths(frameLength, headerLength);
            } catch (WireException e) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw new CorruptedFrameException(e.getMessage(), e);
            }
            if (in.readableBytes() < 4 + frameLength) {
                return; // wait for the rest; its size is already known to be within the limits
            }
            in.skipBytes(FrameFormat.PREFIX_BYTES);
            byte[] header = new byte[(int) headerLength];
            in.readBytes(header);
            int payloadBytes = (int) (frameLength - 4 - headerLength);
            ByteBuf payload = payloadBytes == 0 ? Unpooled.EMPTY_BUFFER : in.readRetainedSlice(payloadBytes);
            out.add(new Frame(header, payload));
        }
    }
}
