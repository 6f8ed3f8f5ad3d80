package dev.starling.core.piece;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The broadcaster's answer to a viewer that dialled it: an Ed25519 signature by the channel key over
 * <pre>
 * "starling-broadcaster-proof-v1" | channel id (32) | the viewer's nonce (16) | broadcaster peer id (16) | viewer peer id (16)
 * </pre>
 * Only the holder of the channel key can make one, so a peer that merely says it is the broadcaster is not
 * believed. The viewer's fresh nonce keeps an old answer from being replayed; the two peer ids keep an answer made
 * for one viewer, or under another peer id, from passing for this one. The tag keeps these signatures from being
 * valid as a piece's (whose signed bytes begin "starling-piece-v1"), and a piece's from being valid as these.
 * Internal to Starling.
 */
public final class BroadcasterProof {
    /** The length of a viewer's nonce. */
    public static final int NONCE_BYTES = 16;
    /** The length of a proof. */
    public static final int PROOF_BYTES = Ed25519.SIGNATURE_SIZE;
    private static final byte[] TAG = "starling-broadcaster-proof-v1".getBytes(StandardCharsets.US_ASCII);
    private static final int PEER_ID_BYTES = 16;

    private BroadcasterProof() {
    }

    /**
     * Whether {@code proof} was made by the channel key for this nonce and these two peers.
     *
     * @param channelKey        the channel's 32-byte public key
     * @param proof             what the peer sent (any length: a wrong one is false)
     * @param nonce             the nonce this viewer sent on the connection
     * @param broadcasterPeerId the peer id the claimant gave in its handshake
     * @param viewerPeerId      this viewer's peer id
     */
    public static boolean verify(byte[] channelKey, byte[] proof, byte[] nonce, byte[] broadcasterPeerId,
                                 byte[] viewerPeerId) {
        if (proof.length != PROOF_BYTES) {
            return false;
        }
        byte[] m = signedBytes(channelKey, nonce, broadcasterPeerId, viewerPeerId);
        return Ed25519.verify(proof, 0, channelKey, 0, m, 0, m.length);
    }

    static byte[] signedBytes(byte[] channelKey, byte[] nonce, byte[] broadcasterPeerId, byte[] viewerPeerId) {
        if (nonce.length != NONCE_BYTES || broadcasterPeerId.length != PEER_ID_BYTES
                || viewerPeerId.length != PEER_ID_BYTES) {
            throw new IllegalArgumentException("a nonce of " + NONCE_BYTES + " bytes and peer ids of "
                    + PEER_ID_BYTES + " bytes, got " + nonce.length + ", " + broadcasterPeerId.length + ", "
                    + viewerPeerId.length);
        }
        return ByteBuffer.allocate(TAG.length + channelKey.length + NONCE_BYTES + 2 * PEER_ID_BYTES)
                .put(TAG).put(channelKey).put(nonce).put(broadcasterPeerId).put(viewerPeerId).array();
    }
}
