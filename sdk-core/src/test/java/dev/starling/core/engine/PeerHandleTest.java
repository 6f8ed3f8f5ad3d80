package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.CountingPayload;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.wire.ControlCodec;
import dev.starling.core.wire.PieceCodec;
import dev.starling.core.wire.WireException;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * The handles the engine and its output exchange when a peer connects: every send to the peer carries the output's
 * link, and a frame passed with the engine's handle reaches the peer as one found by id would, but never a peer
 * that has left.
 */
class PeerHandleTest {
    private static final long PEER = 5;
    private static final InetSocketAddress ADDRESS = new InetSocketAddress("198.51.100.5", 7000);
    private final ChannelKeys keys = ChannelKeys.generate();

    /** Connects the broadcaster as peer {@link #PEER} with a link, and greets it through the returned handle. */
    private static Object connectBroadcaster(EngineHarness h, Object link) {
        Object handle = h.engine.onConnected(PEER, ADDRESS, false, link, 0);
        h.engine.onFrame(handle, PEER, h.handshake(PEER, ADDRESS, true, 0, 0), Payload.empty(), 1_000_000);
        return handle;
    }

    private Piece piece() {
        return new PieceSigner(keys).sign(1, 0, 5_000_000, Piece.FLAG_RANDOM_ACCESS_POINT,
                new CountingPayload(new byte[] {1, 2, 3}));
    }

    @Test
    void everySendToThePeerCarriesTheLinkItConnectedWith() throws WireException {
        EngineHarness h = new EngineHarness(keys);
        Object handle = connectBroadcaster(h, "link of peer 5");
        Piece piece = piece();
        h.engine.onFrame(handle, PEER, ControlCodec.decode(PieceCodec.encodeHeader(piece)), piece.payload(),
                2_000_000);
        h.engine.onTimer(500_000_000);

        assertThat(handle).isNotNull();
        assertThat(h.sentTo).hasSizeGreaterThan(1).containsOnly(PEER);
        assertThat(h.linksSent).hasSameSizeAs(h.sent).containsOnly("link of peer 5");
    }

    @Test
    void aFrameWithTheHandleIsHandledAsOneFoundById() throws WireException {
        EngineHarness withHandle = new EngineHarness(keys);
        Object handle = connectBroadcaster(withHandle, null);
        Piece piece = piece();
        withHandle.engine.onFrame(handle, PEER, ControlCodec.decode(PieceCodec.encodeHeader(piece)),
                piece.payload(), 2_000_000);
        EngineHarness byId = new EngineHarness(keys).connectPeer(PEER, ADDRESS, false, true, 0);
        byId.engine.onFrame(PEER, ControlCodec.decode(PieceCodec.encodeHeader(piece)), piece.payload(), 2_000_000);

        assertThat(withHandle.engine.epoch()).isEqualTo(1).isEqualTo(byId.engine.epoch());
        assertThat(withHandle.engine.counters().bytesFromBroadcaster()).isEqualTo(3)
                .isEqualTo(byId.engine.counters().bytesFromBroadcaster());
        assertThat(withHandle.sent).isEqualTo(byId.sent);
    }

    @Test
    void theHandleOfAPeerThatLeftReachesNothing() throws WireException {
        EngineHarness h = new EngineHarness(keys);
        Object handle = connectBroadcaster(h, null);
        h.engine.onDisconnected(PEER, 1_500_000);
        Piece piece = piece();
        h.engine.onFrame(handle, PEER, ControlCodec.decode(PieceCodec.encodeHeader(piece)), piece.payload(),
                2_000_000);
        h.engine.onFrame(handle, PEER, PieceCodec.encodeHeader(piece), piece.payload(), 2_000_000);

        assertThat(((CountingPayload) piece.payload()).released()).isEqualTo(2);
        assertThat(h.engine.epoch()).isEqualTo(-1);
        assertThat(h.engine.counters().bytesFromBroadcaster()).isZero();
    }

    @Test
    void aHandlePassedWithAnotherPeersIdIsNotTrusted() throws WireException {
        EngineHarness h = new EngineHarness(keys);
        Object handle = connectBroadcaster(h, null);
        Piece piece = piece();
        h.engine.onFrame(handle, PEER + 1, ControlCodec.decode(PieceCodec.encodeHeader(piece)), piece.payload(),
                2_000_000);

        assertThat(((CountingPayload) piece.payload()).released()).isEqualTo(1);
        assertThat(h.engine.counters().bytesFromBroadcaster()).isZero();
    }
}
