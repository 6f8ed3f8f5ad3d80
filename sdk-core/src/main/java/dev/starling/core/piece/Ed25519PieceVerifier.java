package dev.starling.core.piece;

import dev.starling.api.ChannelId;
import java.security.MessageDigest;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The real verifier: structure, length, SHA-256 of the payload, then the Ed25519 signature over
 * {@link SignedFields}. The cheap checks run first, so a corrupt piece costs a hash, not a signature check.
 */
public final class Ed25519PieceVerifier implements PieceVerifier {
    private final byte[] channelKey;
    private final Ed25519.PublicPoint publicPoint;

    /** @param channel the channel whose key must have signed every piece */
    public Ed25519PieceVerifier(ChannelId channel) {
        this.channelKey = channel.publicKey();
        Ed25519.precompute();
        this.publicPoint = Ed25519.validatePublicKeyPartialExport(channelKey, 0);
        if (publicPoint == null) {
            throw new IllegalArgumentException("channel id is not a valid Ed25519 public key");
        }
    }

    @Override
    public RejectReason verify(Piece piece) {
        RejectReason structural = checkStructure(piece);
        if (structural != null) {
            return structural;
        }
        MessageDigest md = Sha256.newDigest();
        md.update(piece.payload().readOnlyBuffer());
        if (!MessageDigest.isEqual(md.digest(), piece.payloadSha256())) {
            return RejectReason.PAYLOAD_HASH_MISMATCH;
        }
        return checkSignature(piece);
    }

    /** Header sanity and declared-versus-actual length. */
    public static RejectReason checkStructure(Piece piece) {
        if (piece.payloadSha256() == null || piece.payloadSha256().length != 32
                || piece.signature() == null || piece.signature().length != Ed25519.SIGNATURE_SIZE
                || (piece.flags() & ~Piece.KNOWN_FLAGS) != 0 || piece.length() < 0) {
            return RejectReason.MALFORMED_HEADER;
        }
        if (piece.payload().length() != piece.length()) {
            return RejectReason.TRUNCATED;
        }
        return null;
    }

    /** The signature alone, assuming the declared hash matches the payload. */
    public RejectReason checkSignature(Piece piece) {
        byte[] message = SignedFields.encode(channelKey, piece.epoch(), piece.seq(), piece.publishTimeUs(),
                piece.flags(), piece.length(), piece.payloadSha256());
        boolean ok = Ed25519.verify(piece.signature(), 0, publicPoint, message, 0, message.length);
        return ok ? null : RejectReason.BAD_SIGNATURE;
    }
}
