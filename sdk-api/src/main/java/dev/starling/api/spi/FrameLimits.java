package dev.starling.api.spi;

/** Hard size limits every transport enforces on frames, before allocating anything. */
public final class FrameLimits {
    /** The largest control header. */
    public static final int MAX_HEADER_BYTES = 64 * 1024;
    /** The largest payload: one piece. */
    public static final int MAX_PAYLOAD_BYTES = 1 << 20;
    /** The largest frame, header and payload together, plus framing overhead. */
    public static final int MAX_FRAME_BYTES = MAX_HEADER_BYTES + MAX_PAYLOAD_BYTES + 16;

    /**
     * Checks a frame a node is about to send.
     *
     * @throws IllegalArgumentException if the header is empty or either part is over its limit
     */
    public static void requireWithinLimits(int headerBytes, int payloadBytes) {
        if (headerBytes == 0 || headerBytes > MAX_HEADER_BYTES || payloadBytes > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("frame over the limits: header " + headerBytes + " bytes, payload "
                    + payloadBytes + " bytes");
        }
    }

    /**
     * Checks a frame a node hands to {@link Connection#send}; a refused frame's payload reference is released, as
     * the send would have taken it over.
     *
     * @throws IllegalArgumentException if the header is empty or either part is over its limit
     */
    public static void requireWithinLimits(byte[] header, Payload payload) {
        try {
            requireWithinLimits(header.length, payload.length());
        } catch (IllegalArgumentException e) {
            payload.release();
            throw e;
        }
    }

    private FrameLimits() {
    }
}
