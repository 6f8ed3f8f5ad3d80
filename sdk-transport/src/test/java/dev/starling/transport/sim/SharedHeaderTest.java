package dev.starling.transport.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.core.wire.ControlCodec;
import dev.starling.core.wire.proto.BufferMap;
import dev.starling.core.wire.proto.Control;
import org.junit.jupiter.api.Test;

/** A header sent to many receivers is decoded once, with the codec's checks. */
class SharedHeaderTest {
    @Test
    void decodesOnceAndHandsEveryReceiverTheSameMessage() {
        Control map = Control.newBuilder().setBufferMap(BufferMap.newBuilder().setEpoch(3).setBaseSeq(40)).build();
        SharedHeader h = new SharedHeader(ControlCodec.encode(map));
        Control first = h.decoded();
        assertThat(first).isEqualTo(map);
        assertThat(h.decoded()).isSameAs(first);
    }

    @Test
    void bytesTheCodecRefusesGiveNothing() {
        SharedHeader h = new SharedHeader(new byte[] {(byte) 0xFF, (byte) 0xFF, 0x01});
        assertThat(h.decoded()).isNull();
        assertThat(h.decoded()).isNull();
    }

    @Test
    void theSameBytesSentAgainShareOneDecodeAndOtherBytesDoNot() {
        SimNetwork net = new SimNetwork(1, 5, 75, 0);
        byte[] a = ControlCodec.encode(Control.newBuilder().setBufferMap(BufferMap.newBuilder().setEpoch(1)).build());
        byte[] b = a.clone();
        SharedHeader first = net.sharedHeader(a, dev.starling.api.spi.Payload.empty());
        assertThat(net.sharedHeader(a, dev.starling.api.spi.Payload.empty())).isSameAs(first);
        assertThat(net.sharedHeader(b, dev.starling.api.spi.Payload.empty())).isNotSameAs(first);
        SimPayload piece = new SimPayload(new byte[4]);
        SharedHeader withPiece = net.sharedHeader(a, piece);
        assertThat(net.sharedHeader(a, piece)).isSameAs(withPiece);
        assertThat(net.sharedHeader(b, piece)).isNotSameAs(withPiece);
    }
}
