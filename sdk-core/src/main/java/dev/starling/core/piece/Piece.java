package dev.starling.core.piece;

import dev.starling.api.spi.Payload;

/**
 * One signed piece of a stream: header fields, signature and the payload handle. Immutable apart from the
 * payload's reference count and a memo of its encoded header.
 */
public final class Piece {
    /** Flag: a player can start decoding at this piece. */
    public static final int FLAG_RANDOM_ACCESS_POINT = 1;
    /** Flag: the last piece of the epoch; its payload is empty. */
    public static final int FLAG_END_OF_STREAM = 2;
    /** Every flag this version knows. */
    public static final int KNOWN_FLAGS = FLAG_RANDOM_ACCESS_POINT | FLAG_END_OF_STREAM;

    private final long epoch;
    private final long seq;
    private final long publishTimeUs;
    private final int flags;
    private final int length;
    private final byte[] payloadSha256;
    private final byte[] signature;
    private final Payload payload;
    /** The encoded header, once asked for: a node sends the same bytes to every peer, and so do all nodes that keep
     * this instance (a simulated swarm shares one). Racing encoders write equal bytes, so no lock. */
    private volatile byte[] encodedHeader;

    /** Creates a piece; fields are taken as given (arrays are not copied: callers hand them over). */
    public Piece(long epoch, long seq, long publishTimeUs, int flags, int length, byte[] payloadSha256,
                 byte[] signature, Payload payload) {
        this.epoch = epoch;
        this.seq = seq;
        this.publishTimeUs = publishTimeUs;
        this.flags = flags;
        this.length = length;
        this.payloadSha256 = payloadSha256;
        this.signature = signature;
        this.payload = payload;
    }

    /** @return the broadcaster epoch */
    public long epoch() { return epoch; }
    /** @return the sequence number within the epoch */
    public long seq() { return seq; }
    /** @return publish time by the broadcaster's clock, microseconds */
    public long publishTimeUs() { return publishTimeUs; }
    /** @return the flag bits */
    public int flags() { return flags; }
    /** @return the declared payload length */
    public int length() { return length; }
    /** @return the declared SHA-256 of the payload (not a copy) */
    public byte[] payloadSha256() { return payloadSha256; }
    /** @return the Ed25519 signature (not a copy) */
    public byte[] signature() { return signature; }
    /** @return the payload handle */
    public Payload payload() { return payload; }

    /** @return whether a player can start here */
    public boolean isRandomAccessPoint() { return (flags & FLAG_RANDOM_ACCESS_POINT) != 0; }

    /** @return whether this piece ends the epoch */
    public boolean isEndOfStream() { return (flags & FLAG_END_OF_STREAM) != 0; }

    /**
     * The header's wire encoding, made by {@code encoder} the first time and remembered; callers must not change it.
     *
     * @param encoder encodes this piece's header, deterministically (the same bytes for the same fields)
     */
    public byte[] encodedHeader(java.util.function.Function<Piece, byte[]> encoder) {
        byte[] h = encodedHeader;
        if (h == null) {
            h = encoder.apply(this);
            encodedHeader = h;
        }
        return h;
    }

    /** @return the same header with another payload handle (for tests that tamper) */
    public Piece withPayload(Payload other) {
        return new Piece(epoch, seq, publishTimeUs, flags, length, payloadSha256, signature, other);
    }

    @Override
    public String toString() {
        return "Piece[epoch=" + epoch + ", seq=" + seq + ", flags=" + flags + ", length=" + length + "]";
    }
}
