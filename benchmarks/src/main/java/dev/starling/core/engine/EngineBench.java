package dev.starling.core.engine;

import com.google.protobuf.UnsafeByteOperations;
import dev.starling.api.ChannelId;
import dev.starling.api.Gap;
import dev.starling.api.StreamConfig;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.PieceVerifier;
import dev.starling.core.wire.ControlCodec;
import dev.starling.core.wire.proto.BufferMap;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.Handshake;
import dev.starling.core.piece.Piece;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * A viewer {@link PeerEngine} with handshaken neighbours that are nothing but frames, driven in virtual time: the
 * state the engine benchmarks measure from. It is its own {@link EngineOutput}, which counts what the engine does
 * and releases what it sends.
 */
final class EngineBench implements EngineOutput {
    /** Virtual time at which the engine is created. */
    static final long START_NS = 1_000_000_000L;
    static final long BITRATE_BPS = 2_000_000;

    final PeerEngine engine;
    final ChannelId channel;
    final int neighbours;
    long sends;
    long deliveries;
    long gaps;
    String lastDisconnect;

    /**
     * @param neighbours connected peers, ids 1..neighbours, all handshaken
     */
    EngineBench(ChannelId channel, PieceVerifier verifier, int pieceBytes, int neighbours) {
        this.channel = channel;
        this.neighbours = neighbours;
        StreamConfig stream = StreamConfig.builder().pieceBytes(pieceBytes).bitrateHintBps(BITRATE_BPS)
                .maxPeers(Math.max(16, neighbours)).build();
        EngineConfig cfg = EngineConfig.builder().stream(stream).build();
        byte[] localId = new byte[16];
        localId[0] = (byte) 0xEE;
        engine = new PeerEngine(channel, null, 0, verifier, cfg, 3 * BITRATE_BPS, localId, 1, START_NS, this);
        for (int i = 1; i <= neighbours; i++) {
            engine.onConnected(i, address(i), false, START_NS);
            engine.onFrame(i, handshake(i), Payload.empty(), START_NS);
        }
        if (engine.peerCount() != neighbours) {
            throw new IllegalStateException("only " + engine.peerCount() + " of " + neighbours
                    + " neighbours handshaken; last disconnect: " + lastDisconnect);
        }
    }

    /** @return the microseconds between pieces of this size at the benchmark bitrate */
    static long pieceIntervalUs(int pieceBytes) {
        return pieceBytes * 8L * 1_000_000 / BITRATE_BPS;
    }

    /** @return neighbour {@code i}'s handshake frame header */
    byte[] handshake(int i) {
        byte[] peerId = new byte[16];
        peerId[0] = (byte) i;
        peerId[1] = (byte) (i >>> 8);
        return ControlCodec.encode(Control.newBuilder().setHandshake(Handshake.newBuilder()
                .setProtocolVersion(PeerEngine.PROTOCOL_VERSION)
                .setChannelId(UnsafeByteOperations.unsafeWrap(channel.publicKey()))
                .setPeerId(UnsafeByteOperations.unsafeWrap(peerId))
                .setListenPort(4000)
                .setUploadBps(3 * BITRATE_BPS)
                .setPrimarySubstream(i % 4)).build());
    }

    /** @return a buffer map header saying the sender holds pieces {@code base..top} of the epoch */
    static byte[] holding(long epoch, long base, long top, long latestRap, long broadcasterNowUs) {
        int n = (int) (top - base + 1);
        byte[] bits = new byte[(n + 7) / 8];
        for (int i = 0; i < n; i++) {
            bits[i >>> 3] |= (byte) (1 << (i & 7));
        }
        BufferMap.Builder b = BufferMap.newBuilder().setEpoch(epoch).setBaseSeq(base)
                .setHave(UnsafeByteOperations.unsafeWrap(bits)).setLatestRapSeq(latestRap + 1)
                .setBroadcasterNowUs(broadcasterNowUs).setNewestPublishTimeUs(broadcasterNowUs);
        for (int k = 0; k < 4; k++) {
            b.addDepth(2);
        }
        return ControlCodec.encode(Control.newBuilder().setBufferMap(b).build());
    }

    private static InetSocketAddress address(int i) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >>> 8), (byte) i}), 4000);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void send(long peer, byte[] header, Payload payload) {
        sends++;
        payload.release();
    }

    @Override
    public long queuedBytes(long peer) {
        return 0;
    }

    @Override
    public void connect(InetSocketAddress address) {
        // Nobody to dial: the neighbours are all there is.
    }

    @Override
    public void disconnect(long peer, String reason) {
        lastDisconnect = "peer " + peer + ": " + reason;
    }

    @Override
    public void deliver(Piece piece) {
        deliveries++;
    }

    @Override
    public void gap(Gap gap) {
        gaps++;
    }

    @Override
    public void endOfStream(long epoch) {
        // Benchmarks never end the stream.
    }
}
