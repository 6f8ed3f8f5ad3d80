package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Ed25519PieceVerifier;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.piece.PieceVerifier;
import dev.starling.core.piece.RejectReason;
import dev.starling.core.wire.proto.Control;
import dev.starling.core.wire.proto.Request;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine keeps the instance its verifier names for a verified piece (a simulator shares one between nodes). */
class CanonicalPieceTest {
    private static final long ASKER = 2;

    private final ChannelKeys keys = ChannelKeys.generate();

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
        EngineHarness h = new EngineHarness(keys, verifier).connectPeer(true);
        h.connectPeer(ASKER, new InetSocketAddress("127.0.0.1", 7002), false, false, 0, 2_000_000, 0);
        h.receive(signed, 0);
        h.engine.onTimer(1_000_000); // fills the upload tokens
        h.control(ASKER, Control.newBuilder().setRequest(Request.newBuilder().setEpoch(1).addSeqs(0)).build(),
                1_000_000);
        List<Payload> served = new ArrayList<>();
        for (int i = 0; i < h.sent.size(); i++) {
            if (h.sentTo.get(i) == ASKER && h.sent.get(i).hasPiece()) {
                served.add(h.payloadsSent.get(i));
            }
        }
        assertThat(served).as("the piece served on request").singleElement().isSameAs(shared);
    }
}
