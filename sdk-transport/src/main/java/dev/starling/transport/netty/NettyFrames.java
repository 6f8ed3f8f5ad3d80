package dev.starling.transport.netty;

import dev.starling.api.spi.HeapPayload;
import dev.starling.api.spi.Payload;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;

/**
 * The write side every Netty transport shares: a frame queued on a channel with its payload passed on by
 * reference, never copied when it is already a Netty buffer or an immutable heap array. One place, so the
 * transports and {@code PieceForwardBenchmark} run the same code.
 */
public final class NettyFrames {
    private NettyFrames() {
    }

    /**
     * Queues one frame on the channel (no flush) with a void promise: a failed write closes the channel, which
     * the transport reports, so no per-write promise is allocated.
     *
     * @param payload the frame takes over this reference
     */
    public static void write(Channel channel, byte[] header, Payload payload) {
        channel.write(new Frame(header, toByteBuf(payload, channel.alloc())), channel.voidPromise());
    }

    /**
     * Turns a payload reference into a buffer reference for one write.
     *
     * @param payload taken over: released here, or handed on inside the returned buffer
     * @return a buffer holding one reference, with its own reader index
     */
    public static ByteBuf toByteBuf(Payload payload, ByteBufAllocator alloc) {
        if (payload instanceof ByteBufPayload b) {
            // A duplicate per link: each write moves its own reader index over the shared bytes.
            ByteBuf dup = b.buf().retainedDuplicate();
            payload.release();
            return dup;
        }
        if (payload.length() == 0) {
            payload.release();
            return Unpooled.EMPTY_BUFFER;
        }
        if (payload instanceof HeapPayload) {
            // An immutable, unpooled array: the wrapper keeps it alive for the write, so our reference can go now.
            ByteBuf wrapped = Unpooled.wrappedBuffer(payload.readOnlyBuffer());
            payload.release();
            return wrapped;
        }
        // Some other implementation: its memory is not ours to keep past the release, so copy it once.
        ByteBuf copy = alloc.buffer(payload.length());
        copy.writeBytes(payload.readOnlyBuffer());
        payload.release();
        return copy;
    }
}
