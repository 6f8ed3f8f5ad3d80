package dev.starling.core.piece;

import dev.starling.api.ChannelKeys;
import dev.starling.api.spi.Payload;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** Signs pieces with the channel's private key (Bouncy Castle rfc8032 Ed25519; SHA-256 from the JDK). */
public final class PieceSigner {
    private final byte[] privateKey;
    private final byte[] publicKey;

    /** @param keys the channel's keys */
    public PieceSigner(ChannelKeys keys) {
        this.privateKey = keys.privateKey();
        this.publicKey = keys.channelId().publicKey();
        Ed25519.precompute();
    }

    /**
     * Signs a piece.
     *
     * @param payload the payload; the returned piece takes over this reference
     */
    public Piece sign(long epoch, long seq, long publishTimeUs, int flags, Payload payload) {
        byte[] sha = Sha256.digest(payload);
        byte[] message = SignedFields.encode(publicKey, epoch, seq, publishTimeUs, flags, payload.length(), sha);
        byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
        Ed25519.sign(privateKey, 0, publicKey, 0, message, 0, message.length, signature, 0);
        return new Piece(epoch, seq, publishTimeUs, flags, payload.length(), sha, signature, payload);
    }
}
