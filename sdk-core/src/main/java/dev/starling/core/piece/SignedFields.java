package dev.starling.core.piece;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The exact bytes a piece signature covers:
 * <pre>
 * "starling-piece-v1" | channel id (32) | epoch (8) | seq (8) | publish time us (8) | flags (4) | length (4) | sha256 (32)
 * </pre>
 * big-endian. The tag keeps these signatures from being valid for anything else signed with the key.
 */
final class SignedFields {
    private static final byte[] TAG = "starling-piece-v1".getBytes(StandardCharsets.US_ASCII);
    static final int SIZE = TAG.length + 32 + 8 + 8 + 8 + 4 + 4 + 32;

    private SignedFields() {
    }

    static byte[] encode(byte[] channelId, long epoch, long seq, long publishTimeUs, int flags, int length,
                         byte[] sha256) {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(TAG).put(channelId).putLong(epoch).putLong(seq).putLong(publishTimeUs).putInt(flags).putInt(length)
                .put(sha256);
        return b.array();
    }
}
