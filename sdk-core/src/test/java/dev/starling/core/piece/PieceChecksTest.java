package dev.starling.core.piece;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Each way a piece can be bad is rejected, each with its own reason. */
class PieceChecksTest {
    private final ChannelKeys keys = ChannelKeys.generate();
    private final PieceSigner signer = new PieceSigner(keys);
    private final Ed25519PieceVerifier verifier = new Ed25519PieceVerifier(keys.channelId());

    private Piece piece(long epoch, long seq) {
        byte[] data = new byte[16 * 1024];
        Arrays.fill(data, (byte) seq);
        return signer.sign(epoch, seq, 1_000_000 + seq, Piece.FLAG_RANDOM_ACCESS_POINT, Payload.wrap(data));
    }

    @Test
    void anIntactPieceVerifies() {
        assertThat(verifier.verify(piece(1, 0))).isNull();
    }

    @Test
    void aFlippedPayloadBitIsAHashMismatch() {
        Piece p = piece(1, 0);
        byte[] data = p.payload().toByteArray();
        data[1234] ^= 0x10;
        assertThat(verifier.verify(p.withPayload(Payload.wrap(data)))).isEqualTo(RejectReason.PAYLOAD_HASH_MISMATCH);
    }

    @Test
    void aSignatureByAnotherKeyIsABadSignature() {
        Piece forged = new PieceSigner(ChannelKeys.generate()).sign(1, 0, 1_000_000, 0, Payload.wrap(new byte[100]));
        assertThat(verifier.verify(forged)).isEqualTo(RejectReason.BAD_SIGNATURE);
    }

    @Test
    void aChangedHeaderFieldIsABadSignature() {
        Piece p = piece(1, 5);
        Piece moved = new Piece(p.epoch(), p.seq() + 1, p.publishTimeUs(), p.flags(), p.length(), p.payloadSha256(),
                p.signature(), p.payload());
        assertThat(verifier.verify(moved)).isEqualTo(RejectReason.BAD_SIGNATURE);
    }

    @Test
    void aTruncatedPieceIsTruncated() {
        Piece p = piece(1, 0);
        byte[] data = Arrays.copyOf(p.payload().toByteArray(), p.length() - 1);
        assertThat(verifier.verify(p.withPayload(Payload.wrap(data)))).isEqualTo(RejectReason.TRUNCATED);
    }

    @Test
    void aMalformedHeaderIsMalformed() {
        Piece p = piece(1, 0);
        Piece shortSig = new Piece(p.epoch(), p.seq(), p.publishTimeUs(), p.flags(), p.length(), p.payloadSha256(),
                new byte[10], p.payload());
        Piece unknownFlag = new Piece(p.epoch(), p.seq(), p.publishTimeUs(), 0x80, p.length(), p.payloadSha256(),
                p.signature(), p.payload());
        assertThat(verifier.verify(shortSig)).isEqualTo(RejectReason.MALFORMED_HEADER);
        assertThat(verifier.verify(unknownFlag)).isEqualTo(RejectReason.MALFORMED_HEADER);
    }
}
