package dev.starling.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.api.spi.FrameLimits;
import dev.starling.testing.RecordingLeakDetector;
import dev.starling.transport.netty.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The TCP frame codec on {@link EmbeddedChannel}, with Netty's leak detector at PARANOID. */
class FrameCodecTest {

    @AfterAll
    static void noBufferLeaked() {
        assertThat(RecordingLeakDetector.installed()).as("the build runs tests with the recording leak detector").isTrue();
        assertThat(RecordingLeakDetector.collectAndReport()).isEmpty();
    }

    @Test
    void framesSurviveAnyFragmentationAndEveryBufferIsReleased() {
        SplittableRandom random = new SplittableRandom(11);
        for (int round = 0; round < 40; round++) {
            List<byte[]> headers = new ArrayList<>();
            List<byte[]> payloads = new ArrayList<>();
            EmbeddedChannel writer = new EmbeddedChannel(FrameEncoder.INSTANCE);
            for (int i = 0; i < 1 + random.nextInt(6); i++) {
                byte[] header = bytes(random, 1 + random.nextInt(300));
                byte[] payload = bytes(random, random.nextInt(4) == 0 ? 0 : random.nextInt(40_000));
                headers.add(header);
                payloads.add(payload);
                ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(payload.length).writeBytes(payload);
                assertThat(writer.writeOutbound(new Frame(header, buf))).isTrue();
            }
            ByteBuf wire = Unpooled.buffer();
            for (Object o; (o = writer.readOutbound()) != null; ) {
                ByteBuf b = (ByteBuf) o;
                wire.writeBytes(b);
                b.release();
            }
            assertThat(writer.finish()).isFalse();

            EmbeddedChannel reader = new EmbeddedChannel(new FrameDecoder());
            List<ByteBuf> fed = new ArrayList<>();
            while (wire.isReadable()) {
                ByteBuf piece = PooledByteBufAllocator.DEFAULT.directBuffer()
                        .writeBytes(wire, Math.min(wire.readableBytes(), 1 + random.nextInt(5000)));
                fed.add(piece);
                reader.writeInbound(piece);
            }
            wire.release();
            for (int i = 0; i < headers.size(); i++) {
                Frame f = reader.readInbound();
                assertThat(f).as("frame %d of round %d", i, round).isNotNull();
                assertThat(f.header()).isEqualTo(headers.get(i));
                byte[] got = new byte[f.payload().readableBytes()];
                f.payload().readBytes(got);
                assertThat(got).isEqualTo(payloads.get(i));
                f.release();
                if (got.length > 0) {
                    assertThat(f.payload().refCnt()).as("payload released").isZero();
                }
            }
            assertThat((Object) reader.readInbound()).isNull();
            assertThat(reader.finish()).isFalse();
            for (ByteBuf b : fed) {
                assertThat(b.refCnt()).as("fed buffer released once its frames are").isZero();
            }
        }
    }

    @Test
    void theEncoderSendsThePayloadBufferItselfNotACopy() {
        EmbeddedChannel ch = new EmbeddedChannel(FrameEncoder.INSTANCE);
        ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(16384).writeZero(16384);
        ch.writeOutbound(new Frame(new byte[] {1, 2, 3}, payload));
        ByteBuf prefix = ch.readOutbound();
        ByteBuf second = ch.readOutbound();
        assertThat(prefix.readInt()).isEqualTo(4 + 3 + 16384);
        assertThat(prefix.readInt()).isEqualTo(3);
        assertThat(second).isSameAs(payload);
        prefix.release();
        second.release();
        assertThat(payload.refCnt()).isZero();
        ch.finish();
    }

    @Test
    void aHugeDeclaredFrameIsRefusedFromItsPrefixAndNothingMoreIsRead() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        ByteBuf prefix = Unpooled.buffer().writeInt(Integer.MAX_VALUE).writeInt(10);
        assertThatThrownBy(() -> ch.writeInbound(prefix))
                .isInstanceOf(CorruptedFrameException.class)
                .hasMessageContaining("exceeds the maximum of " + FrameLimits.MAX_FRAME_BYTES);
        assertThat(prefix.refCnt()).isZero();
        // Whatever follows is discarded, even a well-formed frame: the connection is being closed.
        ByteBuf next = Unpooled.buffer().writeInt(5).writeInt(1).writeByte(7);
        ch.writeInbound(next);
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(next.refCnt()).isZero();
        ch.finishAndReleaseAll();
    }

    @Test
    void headerLengthsThatDoNotFitAreRefused() {
        for (int[] bad : new int[][] {{4, 0}, {4, 1}, {10, 7}, {3, 1}, {FrameLimits.MAX_HEADER_BYTES + 10, FrameLimits.MAX_HEADER_BYTES + 1}}) {
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
            ByteBuf in = Unpooled.buffer().writeInt(bad[0]).writeInt(bad[1]);
            assertThatThrownBy(() -> ch.writeInbound(in)).as(Arrays.toString(bad))
                    .isInstanceOf(CorruptedFrameException.class);
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aFrameSplitInsideItsPrefixWaitsForTheRest() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        ch.writeInbound(Unpooled.buffer().writeShort(0));
        ch.writeInbound(Unpooled.buffer().writeShort(7).writeInt(2));
        assertThat((Object) ch.readInbound()).isNull();
        ch.writeInbound(Unpooled.buffer().writeByte(8).writeByte(9).writeByte(42));
        Frame f = ch.readInbound();
        assertThat(f.header()).containsExactly(8, 9);
        assertThat(f.payload().readByte()).isEqualTo((byte) 42);
        f.release();
        assertThat(ch.finish()).isFalse();
    }

    private static byte[] bytes(SplittableRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
