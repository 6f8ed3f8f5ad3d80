package dev.starling.core.engine;

import dev.starling.api.PeerExchangeConfig;
import dev.starling.api.StreamConfig;

/**
 * Engine tuning beyond {@link StreamConfig}. Immutable; {@link #builder()} holds the defaults.
 *
 * @param stream            the stream settings shared with the app
 * @param substreams        pieces are dealt round-robin to this many push trees (seq mod substreams)
 * @param tickMs            how often the engine wakes for deadlines, repair and maintenance
 * @param bufferMapIntervalMs how often it tells each neighbour what it holds
 * @param outboundPeers     how many connections a viewer opens itself
 * @param serverFanout      broadcaster: push children per substream (about this many copies of the stream), more
 *                          while viewers together upload too little and its reserve pays for them
 * @param serverRepairShare broadcaster: repair upload budget as a share of the bitrate
 * @param pushGraceMs       how long a viewer waits for push before pulling a piece it has seen announced
 * @param requestTimeoutMs  an unanswered request is retried elsewhere after this long
 * @param maxRequestsPerPeer outstanding requests per neighbour
 * @param pexIntervalMs     how often addresses are exchanged
 * @param strategy          how pieces move (baselines for comparison)
 * @param gapMarginMs       a missing piece is skipped this long before its estimated deadline (the estimate of
 *                          the broadcaster's clock trails it by up to a path's delay); at most a quarter of the
 *                          playout delay
 * @param peerExchange      how far addresses from peer exchange and discovery are trusted
 */
public record EngineConfig(StreamConfig stream, int substreams, int tickMs, int bufferMapIntervalMs,
                           int outboundPeers, int serverFanout, double serverRepairShare, int pushGraceMs,
                           int requestTimeoutMs, int maxRequestsPerPeer, int pexIntervalMs, Strategy strategy,
                           int gapMarginMs, PeerExchangeConfig peerExchange) {

    /** Validates. */
    public EngineConfig {
        if (substreams < 1 || substreams > 32) throw new IllegalArgumentException("substreams must be 1..32");
        if (tickMs < 1) throw new IllegalArgumentException("tickMs must be >= 1");
        if (outboundPeers < 1) throw new IllegalArgumentException("outboundPeers must be >= 1");
        java.util.Objects.requireNonNull(peerExchange, "peerExchange");
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the defaults for a stream config */
    public static EngineConfig defaults(StreamConfig stream) {
        return builder().stream(stream).build();
    }

    /** Builds an {@link EngineConfig}. */
    public static final class Builder {
        private StreamConfig stream = StreamConfig.defaults();
        private int substreams = 4;
        private int tickMs = 50;
        private int bufferMapIntervalMs = 400;
        private int outboundPeers = 8;
        private int serverFanout = 1;
        private double serverRepairShare = 0.5;
        private int pushGraceMs = 1000;
        private int requestTimeoutMs = 500;
        private int maxRequestsPerPeer = 6;
        private int pexIntervalMs = 10_000;
        private Strategy strategy = Strategy.DEFAULT;
        private int gapMarginMs = 250;
        private PeerExchangeConfig peerExchange = PeerExchangeConfig.defaults();

        private Builder() {
        }

        /** @param v the stream settings */
        public Builder stream(StreamConfig v) { stream = v; return this; }
        /** @param v number of push trees */
        public Builder substreams(int v) { substreams = v; return this; }
        /** @param v engine tick, ms */
        public Builder tickMs(int v) { tickMs = v; return this; }
        /** @param v buffer map interval, ms */
        public Builder bufferMapIntervalMs(int v) { bufferMapIntervalMs = v; return this; }
        /** @param v connections a viewer opens */
        public Builder outboundPeers(int v) { outboundPeers = v; return this; }
        /** @param v broadcaster push children per substream */
        public Builder serverFanout(int v) { serverFanout = v; return this; }
        /** @param v broadcaster repair budget, share of bitrate */
        public Builder serverRepairShare(double v) { serverRepairShare = v; return this; }
        /** @param v push grace, ms */
        public Builder pushGraceMs(int v) { pushGraceMs = v; return this; }
        /** @param v request timeout, ms */
        public Builder requestTimeoutMs(int v) { requestTimeoutMs = v; return this; }
        /** @param v outstanding requests per neighbour */
        public Builder maxRequestsPerPeer(int v) { maxRequestsPerPeer = v; return this; }
        /** @param v peer exchange interval, ms */
        public Builder pexIntervalMs(int v) { pexIntervalMs = v; return this; }

        /** @param v distribution strategy */
        public Builder strategy(Strategy v) { strategy = v; return this; }

        /** @param v gap margin, ms */
        public Builder gapMarginMs(int v) { gapMarginMs = v; return this; }

        /** @param v peer-exchange limits */
        public Builder peerExchange(PeerExchangeConfig v) { peerExchange = v; return this; }

        /** @return the config */
        public EngineConfig build() {
            return new EngineConfig(stream, substreams, tickMs, bufferMapIntervalMs, outboundPeers, serverFanout,
                    serverRepairShare, pushGraceMs, requestTimeoutMs, maxRequestsPerPeer, pexIntervalMs, strategy,
                    gapMarginMs, peerExchange);
        }
    }
}
