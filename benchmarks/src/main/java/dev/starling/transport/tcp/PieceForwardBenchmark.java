package dev.starling.transport.tcp;

import dev.starling.benchmarks.StarlingBenchmark;
import dev.starling.core.piece.Piece;
import dev.starling.core.wire.PieceCodec;
import dev.starling.transport.netty.ByteBufPayload;
import dev.starling.transport.netty.NettyFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A verified piece sent on to {@link #PEERS} peers through the {@code tcp} transport's write path: the engine's
 * cached header and one payload reference per peer, {@link NettyFrames#write} (the code {@code TcpTransport}
 * sends with) and {@link FrameEncoder} on an {@code EmbeddedChannel} per peer, then flushed and the written
 * buffers released as a socket would. The payload is what the frame decoder hands over: a retained slice of a
 * pooled direct read buffer.
 *
 * <p>One operation is one piece to one peer ({@code @OperationsPerInvocation(8)}), so {@code -prof gc}'s
 * {@code gc.alloc.rate.norm} is the allocation per piece per peer.
 */
@State(Scope.Benchmark)
public class PieceForwardBenchmark extends StarlingBenchmark {
    static final int PEERS = 8;

    @Param({"16384", "65536"})
    int pieceBytes;

    private byte[] header;
    private ByteBuf readBuffer;
    private ByteBufPayload payload;
    private EmbeddedChannel[] peers;

    /** A piece as received: its header bytes and a slice of the read buffer. */
    @Setup
    public void receivePiece() {
        SplittableRandom random = new SplittableRandom(3);
        byte[] sha = new byte[32];
        byte[] signature = new byte[64];
        random.nextBytes(sha);
        random.nextBytes(signature);
        header = PieceCodec.encodeHeader(new Piece(1_732_400_000_000_000L, 123_456, 1_732_400_061_728_000L,
                0, pieceBytes, sha, signature, dev.starling.api.spi.Payload.empty()));
        readBuffer = PooledByteBufAllocator.DEFAULT.directBuffer(8 + header.length + pieceBytes);
        byte[] content = new byte[pieceBytes];
        random.nextBytes(content);
        readBuffer.writeZero(8).writeBytes(header).writeBytes(content);
        readBuffer.skipBytes(8 + header.length);
        payload = new ByteBufPayload(readBuffer.readRetainedSlice(pieceBytes));
        peers = new EmbeddedChannel[PEERS];
        for (int i = 0; i < PEERS; i++) {
            peers[i] = new EmbeddedChannel(FrameEncoder.INSTANCE);
        }
        forward();
        for (EmbeddedChannel peer : peers) {
            // What reaches the socket is the piece's own memory: checked once, outside the measurement.
            NettyFrames.write(peer, header, payload.retain());
            peer.flush();
            ByteBuf prefix = peer.readOutbound();
            ByteBuf body = peer.readOutbound();
            if (body.memoryAddress() != payload.buf().memoryAddress() || prefix.readableBytes() != 8 + header.length) {
                throw new IllegalStateException("the payload was copied");
            }
            prefix.release();
            body.release();
        }
    }

    /** Releases the piece; fails the run if any reference is left over. */
    @TearDown
    public void release() {
        for (EmbeddedChannel peer : peers) {
            peer.finishAndReleaseAll();
        }
        payload.release();
        readBuffer.release();
        if (payload.buf().refCnt() != 0 || readBuffer.refCnt() != 0) {
            throw new IllegalStateException("a reference to the piece leaked");
        }
    }

    /** @return bytes written to the peers (for JMH to consume) */
    @Benchmark
    @OperationsPerInvocation(PEERS)
    public long forward() {
        for (EmbeddedChannel peer : peers) {
            NettyFrames.write(peer, header, payload.retain());
            peer.flush();
        }
        long written = 0;
        for (EmbeddedChannel peer : peers) {
            for (ByteBuf out; (out = peer.readOutbound()) != null; ) {
                written += out.readableBytes();
                out.release();
            }
        }
        return written;
    }
}
