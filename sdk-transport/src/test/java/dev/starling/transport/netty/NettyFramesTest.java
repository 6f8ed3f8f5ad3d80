package dev.starling.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.spi.Payload;
import dev.starling.transport.tcp.FrameEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared write path: what it passes on by reference, what it copies, and that every reference is released. */
class NettyFramesTest {

    @Test
    void aReceivedPieceGoesToEveryPeerAsTheSameMemory() {
        ByteBuf received = PooledByteBufAllocator.DEFAULT.directBuffer(16_384);
        received.writeZero(100).writeBytes(new byte[16_384 - 100]).writeByte(7);
        ByteBuf slice = received.retainedSlice(100, 16_385 - 100); // as the frame decoder hands it over
        received.release();
        ByteBufPayload payload = new ByteBufPayload(slice);
        List<EmbeddedChannel> peers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            EmbeddedChannel peer = new EmbeddedChannel(FrameEncoder.INSTANCE);
            NettyFrames.write(peer, new byte[] {1, 2, 3}, payload.retain());
            peer.flush();
            peers.add(peer);
        }
        assertThat(slice.refCnt()).isEqualTo(9);
        for (EmbeddedChannel peer : peers) {
            ByteBuf prefix = peer.readOutbound();
            ByteBuf body = peer.readOutbound();
            assertThat(prefix.readableBytes()).isEqualTo(8 + 3);
            assertThat(body.memoryAddress()).as("the payload itself, not a copy").isEqualTo(slice.memoryAddress());
            assertThat(body.readableBytes()).isEqualTo(slice.readableBytes());
            prefix.release();
            body.release();
            assertThat(peer.finish()).isFalse();
        }
        assertThat(slice.refCnt()).isEqualTo(1);
        assertThat(payload.release()).isTrue();
    }

    @Test
    void aHeapPayloadIsWrappedNotCopied() {
        byte[] bytes = {9, 8, 7, 6};
        ByteBuf buf = NettyFrames.toByteBuf(Payload.wrap(bytes), UnpooledByteBufAllocator.DEFAULT);
        bytes[0] = 42; // only visible through the buffer if it shares the array
        assertThat(buf.getByte(0)).isEqualTo((byte) 42);
        assertThat(buf.readableBytes()).isEqualTo(4);
        assertThat(buf.release()).isTrue();
    }

    @Test
    void anUnknownPayloadIsCopiedOnceAndReleased() {
        CountingPayload foreign = new CountingPayload(new byte[] {1, 2, 3});
        ByteBuf buf = NettyFrames.toByteBuf(foreign, PooledByteBufAllocator.DEFAULT);
        assertThat(foreign.released).isTrue();
        assertThat(buf.readableBytes()).isEqualTo(3);
        assertThat(buf.getByte(2)).isEqualTo((byte) 3);
        assertThat(buf.release()).isTrue();
    }

    @Test
    void anEmptyPayloadNeedsNoBuffer() {
        CountingPayload empty = new CountingPayload(new byte[0]);
        ByteBuf buf = NettyFrames.toByteBuf(empty, PooledByteBufAllocator.DEFAULT);
        assertThat(empty.released).isTrue();
        assertThat(buf.readableBytes()).isZero();
    }

    /** A payload that is neither Netty's nor an immutable heap array: its memory may be reused after release. */
    private static final class CountingPayload implements Payload {
        private final byte[] bytes;
        boolean released;

        CountingPayload(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int length() {
            return bytes.length;
        }

        @Override
        public void getBytes(int offset, byte[] dst, int dstOffset, int length) {
            System.arraycopy(bytes, offset, dst, dstOffset, length);
        }

        @Override
        public ByteBuffer readOnlyBuffer() {
            return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
        }

        @Override
        public Payload retain() {
            return this;
        }

        @Override
        public boolean release() {
            released = true;
            return true;
        }
    }
}
