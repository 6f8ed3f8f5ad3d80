package dev.starling.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.piece.RejectReason;
import org.junit.jupiter.api.Test;

/** The engine's stream-position checks: older epochs and replays are refused, forgers are dropped. */
class PieceAcceptanceTest {
    private final ChannelKeys keys = ChannelKeys.generate();
    private final PieceSigner signer = new PieceSigner(keys);

    private Piece piece(long epoch, long seq) {
        return signer.sign(epoch, seq, 5_000_000 + seq * 65_000, seq == 0 ? Piece.FLAG_RANDOM_ACCESS_POINT : 0,
                Payload.wrap(new byte[] {(byte) seq, 1, 2, 3}));
    }

    @Test
    void anOlderEpochIsStaleOnceANewerOneWasVerified() {
        EngineHarness h = new EngineHarness(keys).connectPeer(true);
        h.receive(piece(2, 0), 1_000_000);
        assertThat(h.engine.epoch()).isEqualTo(2);
        assertThat(h.engine.check(piece(1, 1))).isEqualTo(RejectReason.STALE_EPOCH);
        h.receive(piece(1, 1), 2_000_000);
        assertThat(h.engine.lastRejectReason()).isEqualTo(RejectReason.STALE_EPOCH);
        assertThat(h.disconnects).isEmpty(); // stale is not forged: the sender may simply lag
    }

    @Test
    void aReplayedSequenceIsRefused() {
        EngineHarness h = new EngineHarness(keys).connectPeer(true);
        Piece p = piece(1, 0);
        h.receive(p, 1_000_000);
        assertThat(h.engine.check(piece(1, 0))).isEqualTo(RejectReason.REPLAYED_SEQUENCE);
        h.receive(piece(1, 0), 2_000_000);
        assertThat(h.engine.counters().duplicatePieces()).isEqualTo(1);
    }

    @Test
    void aNewerEpochIsFollowed() {
        EngineHarness h = new EngineHarness(keys).connectPeer(true);
        h.receive(piece(1, 0), 1_000_000);
        h.receive(piece(3, 0), 2_000_000);
        assertThat(h.engine.epoch()).isEqualTo(3);
        assertThat(h.engine.check(piece(1, 1))).isEqualTo(RejectReason.STALE_EPOCH);
    }

    @Test
    void aForgedPieceDropsAndBansItsSender() {
        EngineHarness h = new EngineHarness(keys).connectPeer(false);
        Piece forged = new PieceSigner(ChannelKeys.generate()).sign(1, 0, 0, 0, Payload.wrap(new byte[8]));
        h.receive(forged, 1_000_000);
        assertThat(h.engine.lastRejectReason()).isEqualTo(RejectReason.BAD_SIGNATURE);
        assertThat(h.disconnects).singleElement().asString().contains("BAD_SIGNATURE");
        assertThat(h.engine.counters().peersDropped()).isEqualTo(1);
        assertThat(h.delivered).isEmpty();
    }

    @Test
    void aProtocolVersionMismatchNamesBothVersions() {
        EngineHarness h = new EngineHarness(keys);
        h.engine.onConnected(EngineHarness.PEER, new java.net.InetSocketAddress("127.0.0.1", 1), true, 0);
        var hs = dev.starling.core.wire.proto.Control.newBuilder().setHandshake(
                dev.starling.core.wire.proto.Handshake.newBuilder().setProtocolVersion(7)
                        .setChannelId(com.google.protobuf.ByteString.copyFrom(keys.channelId().publicKey()))
                        .setPeerId(com.google.protobuf.ByteString.copyFrom(new byte[16]))).build();
        h.engine.onFrame(EngineHarness.PEER, hs.toByteArray(), Payload.empty(), 0);
        assertThat(h.disconnects).singleElement().asString()
                .contains("peer speaks 7").contains("this node speaks " + PeerEngine.PROTOCOL_VERSION);
    }

    @Test
    void malformedBytesDropOnlyThatPeer() {
        EngineHarness h = new EngineHarness(keys).connectPeer(true);
        h.engine.onFrame(EngineHarness.PEER, new byte[] {(byte) 0xFF, (byte) 0xFF, 0x01}, Payload.empty(), 0);
        assertThat(h.disconnects).singleElement().asString().startsWith("protocol error");
        assertThat(h.engine.peerCount()).isZero();
    }
}
