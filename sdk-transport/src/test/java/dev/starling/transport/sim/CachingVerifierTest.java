package dev.starling.transport.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.core.piece.Ed25519PieceVerifier;
import dev.starling.core.piece.Piece;
import dev.starling.core.piece.PieceSigner;
import dev.starling.core.piece.RejectReason;
import org.junit.jupiter.api.Test;

/** The simulator's verifier checks each genuine piece once and has every node keep one instance of it. */
class CachingVerifierTest {
    private final ChannelKeys keys = ChannelKeys.generate();
    private final CachingVerifier verifier = new CachingVerifier(new Ed25519PieceVerifier(keys.channelId()));
    private final SimPayload payload = new SimPayload(new byte[1024]);
    private final Piece signed = new PieceSigner(keys).sign(1, 7, 5_000_000, Piece.FLAG_RANDOM_ACCESS_POINT, payload);

    /** The piece as another node decodes it: equal fields, its own arrays, the shared payload. */
    private Piece decodedCopy(Piece p, long seq) {
        return new Piece(p.epoch(), seq, p.publishTimeUs(), p.flags(), p.length(), p.payloadSha256().clone(),
                p.signature().clone(), p.payload());
    }

    @Test
    void everyNodeKeepsTheFirstVerifiedInstanceOfAGenuinePiece() {
        Piece atA = decodedCopy(signed, 7);
        Piece atB = decodedCopy(signed, 7);
        assertThat(verifier.verify(atA)).isNull();
        assertThat(verifier.verify(atB)).isNull();
        Piece keptByA = verifier.canonical(atA);
        Piece keptByB = verifier.canonical(atB);
        assertThat(keptByB).isSameAs(keptByA);
        assertThat(keptByA.seq()).isEqualTo(7);
        assertThat(keptByA.payload()).isSameAs(payload);
        assertThat(keptByA.signature()).isEqualTo(signed.signature());
        assertThat(verifier.realVerifications()).as("the second copy was recognised, not re-verified").isEqualTo(1);
    }

    @Test
    void aForgedHeaderOnAGenuinePayloadIsNeitherPassedNorSwappedForTheGenuinePiece() {
        assertThat(verifier.verify(decodedCopy(signed, 7))).isNull();
        Piece forged = decodedCopy(signed, 8); // moved to another sequence number: the signature no longer fits
        assertThat(verifier.verify(forged)).isEqualTo(RejectReason.BAD_SIGNATURE);
        assertThat(verifier.canonical(forged)).isSameAs(forged);
    }
}
