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
import org.junit.jupiter.api.Test;

/** Repair answers never push a node past its upload limit, however much it is asked. */
class UploadLimitTest {
    private static final long SOURCE = 1;
    private static final long GREEDY = 2;
    private static final long LIMIT_BPS = 1_000_000;

    private long uploadedBytes;

    @Test
    void aFloodOfRequestsGetsNoMoreThanTheLimit() {
        ChannelKeys keys = ChannelKeys.generate();
        EngineOutput out = new EngineOutput() {
            @Override public void send(long peer, byte[] header, Payload payload) {
                if (peer == GREEDY) {
                    uploadedBytes += payload.length();
                }
                payload.release();
            }
            @Override public long queuedBytes(long peer) { return 0; }
            @Override public void connect(InetSocketAddress address) { }
            @Override public void disconnect(long peer, String reason) { }
            @Override public void deliver(Piece piece) { }
            @Override public void gap(Gap gap) { }
            @Override public void endOfStream(long epoch) { }
        };
        PeerEngine engine = new PeerEngine(keys.channelId(), null, 0, new Ed25519PieceVerifier(keys.channelId()),
                EngineConfig.builder().build(), LIMIT_BPS, new byte[16], 3, 0, out);
        connect(engine, keys, SOURCE, (byte) 1, true);
        connect(engine, keys, GREEDY, (byte) 2, false);
        PieceSigner signer = new PieceSigner(keys);
        Request.Builder all = Request.newBuilder().setEpoch(1);
        for (int seq = 0; seq < 40; seq++) {
            Piece p = signer.sign(1, seq, 5_000_000 + seq * 1000L, seq == 0 ? Piece.FLAG_RANDOM_ACCESS_POINT : 0,
                    Payload.wrap(new byte[16 * 1024]));
            engine.onFrame(SOURCE, PieceCodec.encodeHeader(p), p.payload(), 0);
            all.addSeqs(seq);
        }
        byte[] request = ControlCodec.encode(Control.newBuilder().setRequest(all).build());
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

    private static void connect(PeerEngine engine, ChannelKeys keys, long id, byte tag, boolean broadcaster) {
        engine.onConnected(id, new InetSocketAddress("127.0.0.1", 7000 + tag), false, 0);
        byte[] peerId = new byte[16];
        peerId[0] = tag;
        Control hs = Control.newBuilder().setHandshake(Handshake.newBuilder()
                .setProtocolVersion(PeerEngine.PROTOCOL_VERSION)
                .setChannelId(UnsafeByteOperations.unsafeWrap(keys.channelId().publicKey()))
                .setPeerId(UnsafeByteOperations.unsafeWrap(peerId)).setListenPort(7000 + tag)
                .setBroadcaster(broadcaster)).build();
        engine.onFrame(id, ControlCodec.encode(hs), Payload.empty(), 0);
    }
}
