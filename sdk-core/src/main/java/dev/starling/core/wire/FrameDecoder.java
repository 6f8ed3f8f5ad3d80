package dev.starling.core.wire;

import dev.starling.api.spi.Payload;
import java.nio.ByteBuffer;

/**
 * Incremental decoder for {@link FrameFormat}: feed it whatever bytes arrive, in any fragments; it emits whole
 * frames. Memory grows only with bytes actually received, never with a declared length, and is capped by the
 * frame limits. After a {@link WireException} the decoder is unusable: close the peer.
 */
public final class FrameDecoder {

    /** Receives decoded frames. */
    @FunctionalInterface
    public interface Sink {
        /** A whole frame: header bytes and payload (owned by the sink). */
        void onFrame(byte[] header, Payload payload) throws WireException;
    }

    private final byte[] prefix = new byte[FrameFormat.PREFIX_BYTES];
    private int prefixFilled;
    private byte[] body;          // header then payload, grown as bytes arrive
    private int bodyFilled;
    private int bodyLength = -1;
    private int headerLength;
    private boolean failed;

    /**
     * Consumes all of {@code in}, calling {@code sink} for each completed frame.
     *
     * @throws WireException on a frame that breaks the format or its limits
     */
    public void decode(ByteBuffer in, Sink sink) throws WireException {
        if (failed) {
            throw new WireException("decoder already failed");
        }
        try {
            while (in.hasRemaining()) {
                if (bodyLength < 0) {
                    int n = Math.min(in.remaining(), prefix.length - prefixFilled);
                    in.get(prefix, prefixFilled, n);
                    prefixFilled += n;
                    if (prefixFilled < prefix.length) {
                        return;
                    }
                    long frameLength = readU32(prefix, 0);
                    long header = readU32(prefix, 4);
                    FrameFormat.checkLengths(frameLength, header);
                    bodyLength = (int) frameLength - 4;
                    headerLength = (int) header;
                    body = new byte[Math.min(bodyLength, 4096)];
                    bodyFilled = 0;
                }
                int n = Math.min(in.remaining(), bodyLength - bodyFilled);
                if (bodyFilled + n > body.length) {
                    byte[] grown = new byte[Math.min(bodyLength, Math.max(body.length * 2, bodyFilled + n))];
                    System.arraycopy(body, 0, grown, 0, bodyFilled);
                    body = grown;
                }
                in.get(body, bodyFilled, n);
                bodyFilled += n;
                if (bodyFilled == bodyLength) {
                    byte[] header = new byte[headerLength];
                    System.arraycopy(body, 0, header, 0, headerLength);
                    byte[] payload = new byte[bodyLength - headerLength];
                    System.arraycopy(body, headerLength, payload, 0, payload.length);
                    body = null;
                    bodyLength = -1;
                    prefixFilled = 0;
                    sink.onFrame(header, Payload.wrap(payload));
                }
            }
        } catch (WireException e) {
            failed = true;
            body = null;
            throw e;
        }
    }

    /** @return bytes held for an incomplete frame */
    public int bufferedBytes() {
        return (bodyLength < 0 ? prefixFilled : prefix.length + bodyFilled);
    }

    private static long readU32(byte[] b, int off) {
        return ((b[off] & 0xFFL) << 24) | ((b[off + 1] & 0xFFL) << 16) | ((b[off + 2] & 0xFFL) << 8) | (b[off + 3] & 0xFFL);
    }
}
