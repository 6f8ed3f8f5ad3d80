package dev.starling.transport;

import dev.starling.api.spi.Connection;
import dev.starling.api.spi.ConnectionHandler;
import dev.starling.api.spi.Payload;
import dev.starling.benchmarks.StarlingBenchmark;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.PieceHeader;
import dev.starling.transport.netty.ByteBufPayload;
import dev.starling.transport.tcp.TcpConfig;
import dev.starling.transport.tcp.TcpTransport;
import dev.starling.transport.udp.UdpConfig;
import dev.starling.transport.udp.UdpTransport;
import com.google.protobuf.ByteString;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Two peers on loopback, one pushing pieces to the other as fast as it can: over the {@code tcp} transport
 * (frame codec, zero-copy payload, one event loop per peer), over the {@code udp} transport (1200-byte fragments,
 * acknowledgements, LEDBAT's window), and over plain Netty TCP channels carrying the same header and payload bytes
 * with no Starling framing or transport logic. All run in one JMH run, so their ratios are what each transport
 * costs. One operation is one piece delivered; the {@code bytes} counter is the payload and header bytes delivered
 * per second.
 *
 * <p>Each invocation queues {@link #BATCH} pieces on the sender's loop and returns when the receiver has them
 * all, so both variants pay the same pipeline drain per batch.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class TransportThroughputBenchmark extends StarlingBenchmark {
    static final int BATCH = 256;

    @Param({"16384", "65536"})
    int pieceBytes;

    private byte[] header;
    private ByteBuf payload;

    private TcpTransport starlingReceiver;
    private TcpTransport starlingSender;
    private Connection starlingLink;
    private final Counter starlingReceived = new Counter();

    private UdpTransport udpReceiver;
    private UdpTransport udpSender;
    private Connection udpLink;
    private final Counter udpReceived = new Counter();

    private EventLoopGroup rawGroup;
    private Channel rawServer;
    private Channel rawLink;
    private final Counter rawReceived = new Counter();

    /** Bytes delivered, reported by JMH per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long bytes;
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        // A real piece header: what the engine puts in front of every piece it forwards.
        header = Control.newBuilder().setPiece(PieceHeader.newBuilder().setEpoch(1_732_000_000_000_000L).setSeq(123_456)
                .setLength(pieceBytes).setPublishTimeUs(1_732_000_000_123_456L).setFlags(1)
                .setPayloadSha256(ByteString.copyFrom(new byte[32])).setSignature(ByteString.copyFrom(new byte[64])))
                .build().toByteArray();
        payload = PooledByteBufAllocator.DEFAULT.directBuffer(pieceBytes).writeZero(pieceBytes);
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

        // Only one side sends: the quiet side must not time the link out as silent. A batch of 64 KiB pieces
        // (16 MiB) is queued at once, past the default cap on a link's unsent bytes.
        TcpConfig patient = TcpConfig.builder().handshakeTimeoutMs(3_600_000).idleTimeoutMs(3_600_000)
                .maxQueuedBytes(256L << 20).build();
        starlingReceiver = new TcpTransport(patient);
        starlingSender = new TcpTransport(patient);
        InetSocketAddress bound = starlingReceiver.listen(any, new CountingHandler(starlingReceived, null));
        CompletableFuture<Connection> up = new CompletableFuture<>();
        starlingSender.handler(new CountingHandler(new Counter(), up));
        starlingSender.connect(bound);
        starlingLink = up.get(10, TimeUnit.SECONDS);

        // Likewise for udp: a batch may hold 16 MiB unacknowledged, and the quiet side is kept alive by keep-alives.
        UdpConfig udpPatient = UdpConfig.builder().maxQueuedBytes(256L << 20).build();
        udpReceiver = new UdpTransport(udpPatient);
        udpSender = new UdpTransport(udpPatient);
        InetSocketAddress udpBound = udpReceiver.listen(any, new CountingHandler(udpReceived, null));
        CompletableFuture<Connection> udpUp = new CompletableFuture<>();
        udpSender.handler(new CountingHandler(new Counter(), udpUp));
        udpSender.connect(udpBound);
        udpLink = udpUp.get(10, TimeUnit.SECONDS);

        rawGroup = new NioEventLoopGroup(2);
        rawServer = new ServerBootstrap().group(rawGroup).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        rawReceived.add(((ByteBuf) msg).readableBytes());
                        ReferenceCountUtil.release(msg);
                    }
                }).bind(any).sync().channel();
        rawLink = new Bootstrap().group(rawGroup).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInboundHandlerAdapter()).connect(rawServer.localAddress()).sync().channel();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        starlingSender.close();
        starlingReceiver.close();
        udpSender.close();
        udpReceiver.close();
        rawLink.close().syncUninterruptibly();
        rawServer.close().syncUninterruptibly();
        rawGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        payload.release();
    }

    /** Pieces through the {@code tcp} transport: frames counted as they reach the receiving node's handler. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long starlingTcp(Bytes bytes) throws InterruptedException {
        long target = starlingReceived.value() + BATCH;
        starlingSender.loop().execute(() -> {
            for (int i = 0; i < BATCH; i++) {
                starlingLink.send(header, new ByteBufPayload(payload.retain()));
            }
        });
        starlingReceived.awaitAtLeast(target);
        bytes.bytes += (long) BATCH * (header.length + pieceBytes);
        return target;
    }

    /** Pieces through the {@code udp} transport: frames counted as they reach the receiving node's handler. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long starlingUdp(Bytes bytes) throws InterruptedException {
        long target = udpReceived.value() + BATCH;
        udpSender.loop().execute(() -> {
            for (int i = 0; i < BATCH; i++) {
                udpLink.send(header, new ByteBufPayload(payload.retain()));
            }
        });
        udpReceived.awaitAtLeast(target);
        bytes.bytes += (long) BATCH * (header.length + pieceBytes);
        return target;
    }

    /** The same bytes over plain Netty: header and payload written back to back, bytes counted at the receiver. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long rawNetty(Bytes bytes) throws InterruptedException {
        long perPiece = header.length + pieceBytes;
        long target = rawReceived.value() + BATCH * perPiece;
        rawLink.eventLoop().execute(() -> {
            for (int i = 0; i < BATCH; i++) {
                rawLink.write(Unpooled.wrappedBuffer(header), rawLink.voidPromise());
                rawLink.write(payload.retainedDuplicate(), rawLink.voidPromise());
            }
            rawLink.flush();
        });
        rawReceived.awaitAtLeast(target);
        bytes.bytes += BATCH * perPiece;
        return target;
    }

    /** A count the receiving loop raises and the benchmark thread waits on. */
    static final class Counter {
        private final AtomicLong value = new AtomicLong();
        private volatile long waitingFor = Long.MAX_VALUE; // volatile on both sides: no wake-up is lost

        long value() {
            return value.get();
        }

        void add(long n) {
            long now = value.addAndGet(n);
            if (now >= waitingFor) {
                synchronized (this) {
                    notifyAll();
                }
            }
        }

        synchronized void awaitAtLeast(long target) throws InterruptedException {
            waitingFor = target;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (value.get() < target) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("nothing delivered for 30 s: the link failed");
                }
                wait(100);
            }
            waitingFor = Long.MAX_VALUE;
        }
    }

    /** Counts frames and releases them; completes {@code up} with the first connection. */
    private static final class CountingHandler implements ConnectionHandler {
        private final Counter frames;
        private final CompletableFuture<Connection> up;

        CountingHandler(Counter frames, CompletableFuture<Connection> up) {
            this.frames = frames;
            this.up = up;
        }

        @Override
        public void onConnected(Connection connection) {
            if (up != null) {
                up.complete(connection);
            }
        }

        @Override
        public void onFrame(Connection connection, byte[] header, Payload payload) {
            payload.release();
            frames.add(1);
        }

        @Override
        public void onWritabilityChanged(Connection connection, boolean writable) {
        }

        @Override
        public void onDisconnected(Connection connection, String reason) {
        }

        @Override
        public void onConnectFailed(InetSocketAddress remote, String reason) {
            if (up != null) {
                up.completeExceptionally(new IllegalStateException(reason));
            }
        }
    }
}
