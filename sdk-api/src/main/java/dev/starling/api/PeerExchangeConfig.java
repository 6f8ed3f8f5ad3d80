package dev.starling.api;

/**
 * How a node trusts the addresses other peers tell it about (peer exchange) and the addresses discovery finds.
 * Immutable; build with {@link #builder()}.
 *
 * <p>Peer exchange is how a swarm finds itself without a tracker, and also how a hostile peer would try to
 * surround a viewer with its own addresses (an eclipse) or aim the swarm's connection attempts at a third party.
 * These limits keep any one source, and any one network, from owning a node's view of the swarm.
 *
 * <p>Defaults: 4 addresses per /24 (IPv4) or /48 (IPv6), 100 candidates per source, a message per peer every
 * 5 s on average (bursts of 2), and only addresses this node itself reached within the last 120 s are passed on.
 * Tests on one machine, where every peer shares 127.0.0.0/24, raise {@code maxPerSubnet}: see
 * {@link #forLoopback()}.
 *
 * @param maxPerSubnet   the most candidate addresses kept, and outbound connections made, in one /24 or /48;
 *                       on a broadcaster, also the most of its last 1,000 samples of viewers' declared upload
 *                       one /24 or /48 may give (it needs 100 to judge whether the swarm is short of upload, so
 *                       with the default of 4, viewers from at least 25 subnets; a swarm on one machine or one
 *                       LAN is never judged short unless this is raised)
 * @param maxPerSource   the most candidates one source (a peer, or one discovery mechanism) may hold
 * @param minIntervalMs  a peer may send one peer-exchange message per this interval on average; faster ones are
 *                       ignored and counted
 * @param recentMs       an address is passed on only while this node was connected to it within this long
 */
public record PeerExchangeConfig(int maxPerSubnet, int maxPerSource, long minIntervalMs, long recentMs) {

    /** Validates every field. */
    public PeerExchangeConfig {
        if (maxPerSubnet < 1) throw new IllegalArgumentException("maxPerSubnet must be >= 1, got " + maxPerSubnet);
        if (maxPerSource < 1) throw new IllegalArgumentException("maxPerSource must be >= 1, got " + maxPerSource);
        if (minIntervalMs < 0) throw new IllegalArgumentException("minIntervalMs must be >= 0, got " + minIntervalMs);
        if (recentMs < 1_000) throw new IllegalArgumentException("recentMs must be >= 1000, got " + recentMs);
    }

    /** @return the defaults given on the class */
    public static PeerExchangeConfig defaults() {
        return builder().build();
    }

    /**
     * @return the defaults, except that a whole swarm may share one /24 (every peer on 127.0.0.1, or in one
     *         simulated subnet); for tests and demos on one machine
     */
    public static PeerExchangeConfig forLoopback() {
        return builder().maxPerSubnet(1_000_000).build();
    }

    /** @return a builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link PeerExchangeConfig}; every setter has the default given on the class. */
    public static final class Builder {
        private int maxPerSubnet = 4;
        private int maxPerSource = 100;
        private long minIntervalMs = 5_000;
        private long recentMs = 120_000;

        private Builder() {
        }

        /** @param v the most candidates and outbound connections in one /24 or /48 */
        public Builder maxPerSubnet(int v) { maxPerSubnet = v; return this; }
        /** @param v the most candidates one source may hold */
        public Builder maxPerSource(int v) { maxPerSource = v; return this; }
        /** @param v the average interval allowed between one peer's messages, in milliseconds */
        public Builder minIntervalMs(long v) { minIntervalMs = v; return this; }
        /** @param v how recently this node must have reached an address to pass it on, in milliseconds */
        public Builder recentMs(long v) { recentMs = v; return this; }

        /** @return the validated config */
        public PeerExchangeConfig build() {
            return new PeerExchangeConfig(maxPerSubnet, maxPerSource, minIntervalMs, recentMs);
        }
    }
}
