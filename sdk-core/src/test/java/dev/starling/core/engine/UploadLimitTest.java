package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UnsafeByteOperations;
import dev.starling.api.ChannelKeys;
import dev.starling.api.Gap;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Ed25519PieceVerifier;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.wire.ControlCodec;
import dev.starling.core.wire.PieceCodec;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.Handshake;
import dev.starling.core.wire.proto.Request;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Repair answers never push a node past its upload limit, however much it is asked; when upload is short,
 * viewers that upload get it before those that upload nothing.
 */
class UploadLimitTest {
    private static final long SOURCE = 1;
    private static final long GREEDY = 2;
    private static final long RIDER = 3;
    private static final long LIMIT_BPS = 1_000_000;

    private long uploadedBytes;
    private final Map<Long, Long> uploadedTo = new HashMap<>();

    @Test
    void aFloodOfRequestsGetsNoMoreThanTheLimit() {
        ChannelKeys keys = ChannelKeys.generate();
        PeerEngine engine = engine(keys, LIMIT_BPS);
        connect(engine, keys, SOURCE, (byte) 1, true, 0);
        connect(engine, keys, GREEDY, (byte) 2, false, 2_000_000);
        byte[] request = holdFortyPieces(engine, keys);
        long durationNs = 2_000_000_000L;
        for (long t = 0; t <= durationNs; t += 50_000_000L) {
            engine.onTimer(t);
            engine.onFrame(GREEDY, request, Payload.empty(), t);
        }
        long allowed = LIMIT_BPS / 8 * durationNs / 1_000_000_000L + LIMIT_BPS / 8 / 4;
        assertThat(uploadedBytes).as("payload bytes sent to a peer asking for everything, every 50 ms")
                .isPositive().isLessThanOrEqualTo(allowed);
        // Unlimited, the same flood would have taken 40 pieces x 41 requests.
        assertThat(uploadedBytes).isLessThan(40L * 16 * 1024 * 41);
    }

    @Test
    void whenUploadIsShortAViewerThatUploadsIsRepairedBeforeOneThatUploadsNothing() {
        ChannelKeys keys = ChannelKeys.generate();
        long limitBps = 4_000_000;
        PeerEngine engine = engine(keys, limitBps);
        connect(engine, keys, SOURCE, (byte) 1, true, 0);
        connect(engine, keys, GREEDY, (byte) 2, false, 2_000_000);
        connect(engine, keys, RIDER, (byte) 3, false, 0);
        byte[] request = holdFortyPieces(engine, keys);
        // Both ask for everything every 50 ms, the free rider first, so it would take the tokens if served alike.
        for (long t = 0; t <= 2_000_000_000L; t += 50_000_000L) {
            engine.onTimer(t);
            engine.onFrame(RIDER, request, Payload.empty(), t);
            engine.onFrame(GREEDY, request, Payload.empty(), t);
        }
        long toGiver = uploadedTo.getOrDefault(GREEDY, 0L);
        long toRider = uploadedTo.getOrDefault(RIDER, 0L);
        assertThat(toGiver).as("a viewer that uploads gets the upload that is short").isGreaterThan(8 * toRider);
        assertThat(toRider).as("the free rider only what was spare: at most the quarter-second burst it began with")
                .isLessThanOrEqualTo(limitBps / 8 / 4);
    }

    private PeerEngine engine(ChannelKeys keys, long limitBps) {
        EngineOutput out = new EngineOutput() {
            @Override public void send(long peer, byte[] header, Payload payload) {
                if (peer == GREEDY) {
                    uploadedBytes += payload.length();
                }
                uploadedTo.merge(peer, (long) payload.length(), Long::sum);
                payload.release();
            }
            @Override public long queuedBytes(long peer) { return 0; }
            @Override public void connect(InetSocketAddress address) { }
            @Override public void disconnect(long peer, String reason) { }
            @Override public void deliver(Piece piece) { }
            @Override public void gap(Gap gap) { }
            @Override public void endOfStream(long epoch) { }
        };
        return new PeerEngine(keys.channelId(), null, 0, new Ed25519PieceVerifier(keys.channelId()),
                EngineConfig.builder().build(), limitBps, new byte[16], 3, 0, out);
    }

    /** The engine receives pieces 0-39 from the broadcaster; returns a request for all of them. */
    private static byte[] holdFortyPieces(PeerEngine engine, ChannelKeys keys) {
        PieceSigner signer = new PieceSigner(keys);
        Request.Builder all = Request.newBuilder().setEpoch(1);
        for (int seq = 0; seq < 40; seq++) {
            Piece p = signer.sign(1, seq, 5_000_000 + seq * 1000L, seq == 0 ? Piece.FLAG_RANDOM_ACCESS_POINT : 0,
                    Payload.wrap(new byte[16 * 1024]));
            engine.onFrame(SOURCE, PieceCodec.encodeHeader(p), p.payload(), 0);
            all.addSeqs(seq);
        }
        return ControlCodec.encode(Control.newBuilder().setRequest(all).build());
    }

    private static void connect(PeerEngine engine, ChannelKeys keys, long id, byte tag, boolean broadcaster,
                                long uploadBps) {
        engine.onConnected(id, new InetSocketAddress("127.0.0.1", 7000 + tag), false, 0);
        byte[] peerId = new byte[16];
        peerId[0] = tag;
        Control hs = Control.newBuilder().setHandshake(Handshake.newBuilder()
                .setProtocolVersion(PeerEngine.PROTOCOL_VERSION)
                .setChannelId(UnsafeByteOperations.unsafeWrap(keys.channelId().publicKey()))
                .setPeerId(UnsafeByteOperations.unsafeWrap(peerId)).setListenPort(7000 + tag)
                .setBroadcaster(broadcaster).setUploadBps(uploadBps)).build();
        engine.onFrame(id, ControlCodec.encode(hs), Payload.empty(), 0);
    }
}
