package dev.starling.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.wire.proto.Control;
import org.junit.jupiter.api.Test;

/** A piece's header is encoded once per instance and shared; every instance encodes the same bytes. */
class PieceHeaderMemoTest {
    private final Piece piece = new PieceSigner(ChannelKeys.generate()).sign(3, 41, 7_000_000,
            Piece.FLAG_RANDOM_ACCESS_POINT, Payload.wrap(new byte[] {9, 8, 7}));

    @Test
    void oneInstanceEncodesOnceAndAnEqualInstanceToTheSameBytes() throws Exception {
        byte[] first = PieceCodec.encodeHeader(piece);
        assertThat(PieceCodec.encodeHeader(piece)).isSameAs(first);
        Piece copy = piece.withPayload(Payload.wrap(new byte[] {9, 8, 7}));
        assertThat(PieceCodec.encodeHeader(copy)).isNotSameAs(first).isEqualTo(first);
        Control decoded = ControlCodec.decode(first);
        assertThat(decoded.getPiece().getSeq()).isEqualTo(41);
        assertThat(decoded.getPiece().getSignature().toByteArray()).isEqualTo(piece.signature());
    }
}
