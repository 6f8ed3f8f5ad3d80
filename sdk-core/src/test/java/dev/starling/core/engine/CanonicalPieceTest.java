package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UnsafeByteOperations;
import dev.starling.api.ChannelKeys;
import dev.starling.api.Gap;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Ed25519PieceVerifier;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.piece.PieceVerifier;
import dev.starling.core.piece.RejectReason;
import dev.starling.core.wire.ControlCodec;
import dev.starling.core.wire.PieceCodec;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.Handshake;
import dev.starling.core.wire.proto.Request;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine keeps the instance its verifier names for a verified piece (a simulator shares one between nodes). */
class CanonicalPieceTest {
    private static final long SOURCE = 1;
    private static final long ASKER = 2;

    private final ChannelKeys keys = ChannelKeys.generate();
    private final List<Payload> payloadsSent = new ArrayList<>();

    @Test
    void theEngineStoresAndServesTheCanonicalInstanceNotTheOneItDecoded() {
        Piece signed = new PieceSigner(keys).sign(1, 0, 5_000_000, Piece.FLAG_RANDOM_ACCESS_POINT,
                Payload.wrap(new byte[] {1, 2, 3, 4}));
        Payload shared = Payload.wrap(new byte[] {1, 2, 3, 4});
        Piece kept = signed.withPayload(shared);
        Ed25519PieceVerifier real = new Ed25519PieceVerifier(keys.channelId());
        PieceVerifier verifier = new PieceVerifier() {
            @Override public RejectReason verify(Piece piece) {
                return real.verify(piece);
            }
            @Override public Piece canonical(Piece verified) {
                return verified.seq() == kept.seq() ? kept : verified;
            }
        };
        PeerEngine engine = new PeerEngine(keys.channelId(), null, 0, verifier, EngineConfig.builder().build(),
                Long.MAX_VALUE, new byte[16], 3, 0, output());
        connect(engine, SOURCE, (byte) 1, true);
        connect(engine, ASKER, (byte) 2, false);
        engine.onFrame(SOURCE, PieceCodec.encodeHeader(signed), signed.payload(), 0);
        byte[] ask = ControlCodec.encode(Control.newBuilder().setRequest(Request.newBuilder().setEpoch(1).addSeqs(0))
                .build());
        engine.onTimer(1_000_000); // fills the upload tokens
        engine.onFrame(ASKER, ask, Payload.empty(), 1_000_000);
        assertThat(payloadsSent).as("the piece served on request").singleElement().isSameAs(shared);
    }

    private EngineOutput output() {
        return new EngineOutput() {
            @Override public void send(long peer, byte[] header, Payload payload) {
                if (peer == ASKER && payload.length() > 0) {
                    payloadsSent.add(payload);
                }
            }
            @Override public long queuedBytes(long peer) { return 0; }
            @Override public void connect(InetSocketAddress address) { }
            @Override public void disconnect(long peer, String reason) { }
            @Override public void deliver(Piece piece) { }
            @Override public void gap(Gap gap) { }
            @Override public void endOfStream(long epoch) { }
        };
    }

    private void connect(PeerEngine engine, long id, byte tag, boolean broadcaster) {
        engine.onConnected(id, new InetSocketAddress("127.0.0.1", 7000 + tag), false, 0);
        byte[] peerId = new byte[16];
        peerId[0] = tag;
        Control hs = Control.newBuilder().setHandshake(Handshake.newBuilder()
                .setProtocolVersion(PeerEngine.PROTOCOL_VERSION)
                .setChannelId(UnsafeByteOperations.unsafeWrap(keys.channelId().publicKey()))
                .setPeerId(UnsafeByteOperations.unsafeWrap(peerId)).setListenPort(7000 + tag)
                .setBroadcaster(broadcaster).setUploadBps(2_000_000)).build();
        engine.onFrame(id, ControlCodec.encode(hs), Payload.empty(), 0);
    }
}
