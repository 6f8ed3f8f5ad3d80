package dev.starling.core.wire;

import dev.starling.api.spi.FrameLimits;

/**
 * The byte-stream framing used by stream transports (TCP):
 * <pre>
 * +-------------------+--------------------+---------------------------+---------------------+
 * | frame length: u32 | header length: u32 | header: protobuf Control  | payload: raw bytes  |
 * +-------------------+--------------------+---------------------------+---------------------+
 *                     |&lt;------------------------- frame length --------------------------------&gt;|
 * </pre>
 * Big-endian. Limits are checked on the two length fields alone, before anything is allocated for the frame.
 */
public final class FrameFormat {
    /** Bytes before the header: the two length fields. */
    public static final int PREFIX_BYTES = 8;

    private FrameFormat() {
    }

    /**
     * Checks a frame's length fields.
     *
     * @param frameLength  the declared frame length (bytes after the first field), as read unsigned
     * @param headerLength the declared header length, as read unsigned
     * @throws WireException if either breaks a limit or they disagree
     */
    public static void checkLengths(long frameLength, long headerLength) throws WireException {
        if (frameLength > FrameLimits.MAX_FRAME_BYTES) {
            throw new WireException("frame of " + frameLength + " bytes exceeds the maximum of "
                    + FrameLimits.MAX_FRAME_BYTES);
        }
        if (frameLength < 4) {
            throw new WireException("frame of " + frameLength + " bytes is shorter than its header length field");
        }
        if (headerLength > FrameLimits.MAX_HEADER_BYTES) {
            throw new WireException("frame header of " + headerLength + " bytes exceeds the maximum of "
                    + FrameLimits.MAX_HEADER_BYTES);
        }
        if (headerLength == 0 || headerLength > frameLength - 4) {
            throw new WireException("frame header length " + headerLength + " does not fit frame length " + frameLength);
        }
        if (frameLength - 4 - headerLength > FrameLimits.MAX_PAYLOAD_BYTES) {
            throw new WireException("frame payload of " + (frameLength - 4 - headerLength)
                    + " bytes exceeds the maximum of " + FrameLimits.MAX_PAYLOAD_BYTES);
        }
    }

    /** Writes the 8-byte prefix for a frame with this header and payload length. */
    public static byte[] prefix(int headerLength, int payloadLength) {
        int frameLength = 4 + headerLength + payloadLength;
        return new byte[] {
            (byte) (frameLength >>> 24), (byte) (frameLength >>> 16), (byte) (frameLength >>> 8), (byte) frameLength,
            (byte) (headerLength >>> 24), (byte) (headerLength >>> 16), (byte) (headerLength >>> 8), (byte) headerLength
        };
    }
}
