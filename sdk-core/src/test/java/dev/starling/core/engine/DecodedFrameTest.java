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
import dev.starling.core.wire.proto.BufferMap;
import dev.starling.core.wire.proto.Control;
import org.junit.jupiter.api.Test;

/**
 * A frame handed over already decoded (the simulator decodes a header once for all its receivers) gets the checks
 * and outcomes a frame of bytes gets.
 */
class DecodedFrameTest {
    private final ChannelKeys keys = ChannelKeys.generate();

    @Test
    void aDecodedPieceIsVerifiedAndDeliveredAsItsBytesWouldBe() throws WireException {
        Piece piece = new PieceSigner(keys).sign(1, 0, 5_000_000, Piece.FLAG_RANDOM_ACCESS_POINT,
                Payload.wrap(new byte[] {1, 2, 3}));
        EngineHarness decoded = new EngineHarness(keys).connectPeer(true);
        decoded.engine.onFrame(EngineHarness.PEER, ControlCodec.decode(PieceCodec.encodeHeader(piece)),
                piece.payload(), 1_000_000);
        EngineHarness bytes = new EngineHarness(keys).connectPeer(true);
        bytes.receive(piece, 1_000_000);

        assertThat(decoded.engine.epoch()).isEqualTo(1).isEqualTo(bytes.engine.epoch());
        assertThat(decoded.engine.counters().bytesFromBroadcaster()).isEqualTo(3)
                .isEqualTo(bytes.engine.counters().bytesFromBroadcaster());
        assertThat(decoded.disconnects).isEmpty();
    }

    @Test
    void aDecodedForgeryDropsItsSender() throws WireException {
        Piece forged = new PieceSigner(ChannelKeys.generate()).sign(1, 0, 0, 0, Payload.wrap(new byte[8]));
        EngineHarness h = new EngineHarness(keys).connectPeer(false);
        h.engine.onFrame(EngineHarness.PEER, ControlCodec.decode(PieceCodec.encodeHeader(forged)), forged.payload(),
                1_000_000);
        assertThat(h.disconnects).singleElement().asString().contains("BAD_SIGNATURE");
        assertThat(h.delivered).isEmpty();
    }

    @Test
    void aPayloadBesideADecodedBufferMapDropsThePeerAndIsReleased() {
        EngineHarness h = new EngineHarness(keys).connectPeer(true);
        CountingPayload junk = new CountingPayload(10);
        Control map = Control.newBuilder().setBufferMap(BufferMap.newBuilder().setEpoch(1)).build();
        h.engine.onFrame(EngineHarness.PEER, map, junk, 1_000_000);
        assertThat(h.disconnects).singleElement().asString().contains("payload attached to a BUFFER_MAP");
        assertThat(junk.released()).isEqualTo(1);
    }

    @Test
    void aDecodedMessageWithNoBodyDropsThePeer() {
        EngineHarness h = new EngineHarness(keys).connectPeer(true);
        h.engine.onFrame(EngineHarness.PEER, Control.getDefaultInstance(), Payload.empty(), 1_000_000);
        assertThat(h.disconnects).singleElement().asString().contains("no message");
    }

    @Test
    void malformedBytesReleaseThePayloadBesideThem() {
        EngineHarness h = new EngineHarness(keys).connectPeer(true);
        CountingPayload payload = new CountingPayload(10);
        h.engine.onFrame(EngineHarness.PEER, new byte[] {(byte) 0xFF, (byte) 0xFF, 0x01}, payload, 1_000_000);
        assertThat(h.disconnects).singleElement().asString().startsWith("protocol error");
        assertThat(payload.released()).isEqualTo(1);
    }
}
