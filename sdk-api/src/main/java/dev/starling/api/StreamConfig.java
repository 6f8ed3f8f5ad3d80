package dev.starling.api;

import java.util.Objects;

/**
 * How a channel is streamed and played. Immutable; build with {@link #builder()}.
 *
 * <p>Defaults: piece size 16 KiB, playout delay 3 s, live window 10 s, bitrate hint
 * 2 Mbit/s, upload limit unlimited, 16 peers, a delivery queue of 256 pieces.
 *
 * @param pieceBytes         the largest payload of one piece; bigger publishes are split
 * @param playoutDelayMs     a piece is due this long after it was published; missing then, it is a gap
 * @param liveWindowMs       how far behind the live edge pieces are still kept and served
 * @param bitrateHintBps     the expected stream bitrate, used to size upload slots
 * @param uploadLimitBps     the most this node uploads, in bits per second ({@link Long#MAX_VALUE}: no limit)
 * @param maxPeers           the most peers a node keeps connected
 * @param deliveryQueuePieces the bound of the queue between the network and the app's callbacks
 */
public record StreamConfig(int pieceBytes, long playoutDelayMs, long liveWindowMs, long bitrateHintBps,
                           long uploadLimitBps, int maxPeers, int deliveryQueuePieces) {

    /** The largest piece the wire format accepts. */
    public static final int MAX_PIECE_BYTES = 1 << 20;

    /** Validates every field. */
    public StreamConfig {
        if (pieceBytes < 256 || pieceBytes > MAX_PIECE_BYTES) {
            throw new IllegalArgumentException("pieceBytes must be in 256.." + MAX_PIECE_BYTES + ", got " + pieceBytes);
        }
        if (playoutDelayMs < 100) throw new IllegalArgumentException("playoutDelayMs must be >= 100, got " + playoutDelayMs);
        if (liveWindowMs < playoutDelayMs) {
            throw new IllegalArgumentException("liveWindowMs (" + liveWindowMs + ") must be >= playoutDelayMs (" + playoutDelayMs + ")");
        }
        if (bitrateHintBps <= 0) throw new IllegalArgumentException("bitrateHintBps must be > 0, got " + bitrateHintBps);
        if (uploadLimitBps <= 0) throw new IllegalArgumentException("uploadLimitBps must be > 0, got " + uploadLimitBps);
        if (maxPeers < 1 || maxPeers > 1024) throw new IllegalArgumentException("maxPeers must be in 1..1024, got " + maxPeers);
        if (deliveryQueuePieces < 1) throw new IllegalArgumentException("deliveryQueuePieces must be >= 1, got " + deliveryQueuePieces);
    }

    /** The defaults. */
    public static StreamConfig defaults() {
        return builder().build();
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this config. */
    public Builder toBuilder() {
        return new Builder().pieceBytes(pieceBytes).playoutDelayMs(playoutDelayMs).liveWindowMs(liveWindowMs)
                .bitrateHintBps(bitrateHintBps).uploadLimitBps(uploadLimitBps).maxPeers(maxPeers)
                .deliveryQueuePieces(deliveryQueuePieces);
    }

    /** Builds a {@link StreamConfig}; every setter has the default given on the class. */
    public static final class Builder {
        private int pieceBytes = 16 * 1024;
        private long playoutDelayMs = 3_000;
        private long liveWindowMs = 10_000;
        private long bitrateHintBps = 2_000_000;
        private long uploadLimitBps = Long.MAX_VALUE;
        private int maxPeers = 16;
        private int deliveryQueuePieces = 256;

        private Builder() {
        }

        /** @param v the largest payload of one piece, in bytes */
        public Builder pieceBytes(int v) { pieceBytes = v; return this; }
        /** @param v the playout delay in milliseconds */
        public Builder playoutDelayMs(long v) { playoutDelayMs = v; return this; }
        /** @param v the live window in milliseconds */
        public Builder liveWindowMs(long v) { liveWindowMs = v; return this; }
        /** @param v the expected bitrate in bits per second */
        public Builder bitrateHintBps(long v) { bitrateHintBps = v; return this; }
        /** @param v the upload limit in bits per second */
        public Builder uploadLimitBps(long v) { uploadLimitBps = v; return this; }
        /** @param v the most peers to keep connected */
        public Builder maxPeers(int v) { maxPeers = v; return this; }
        /** @param v the bound of the app delivery queue, in pieces */
        public Builder deliveryQueuePieces(int v) { deliveryQueuePieces = v; return this; }

        /** @return the validated config */
        public StreamConfig build() {
            return new StreamConfig(pieceBytes, playoutDelayMs, liveWindowMs, bitrateHintBps, uploadLimitBps,
                    maxPeers, deliveryQueuePieces);
        }
    }

    @Override
    public String toString() {
        return "StreamConfig[pieceBytes=" + pieceBytes + ", playoutDelayMs=" + playoutDelayMs + ", liveWindowMs="
                + liveWindowMs + ", bitrateHintBps=" + bitrateHintBps + ", uploadLimitBps="
                + (uploadLimitBps == Long.MAX_VALUE ? "unlimited" : Objects.toString(uploadLimitBps))
                + ", maxPeers=" + maxPeers + ", deliveryQueuePieces=" + deliveryQueuePieces + "]";
    }
}
