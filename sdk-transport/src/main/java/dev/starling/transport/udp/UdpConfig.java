package dev.starling.transport.udp;

/**
 * Settings of a {@link UdpTransport}. Immutable; build with {@link #builder()}.
 *
 * @param maxConnections      the most links open or being opened at once; more are refused
 * @param maxInboundPerIp     the most inbound links from one IP address (loopback exempt); more are refused
 * @param connectTimeoutMs    an outbound connect whose handshake has not finished by then fails
 * @param idleTimeoutMs       a link that receives nothing for this long is declared dead and closed
 * @param keepaliveMs         a link that has sent nothing for this long sends a keep-alive (which is acknowledged)
 * @param targetDelayMs       the queuing delay the congestion control aims for (LEDBAT's target, RFC 6817)
 * @param writeLowWaterBytes  a link becomes writable again when its unacknowledged bytes drop below this
 * @param writeHighWaterBytes a link reports itself unwritable above this (the engine's back-pressure signal)
 * @param maxQueuedBytes      a link holding more unacknowledged bytes than this is closed as too slow
 * @param maxReassemblyBytes  the most bytes of incomplete frames a link holds for its peer; beyond it, datagrams are
 *                            left unacknowledged (the peer sends them again later)
 * @param maxReassemblyBytesTotal the most bytes of incomplete frames all links together hold (beyond the next frame
 *                            each link is due to deliver); beyond it, datagrams are left unacknowledged
 * @param injectedLossRate    for tests and {@code demo --loss}: the share of outgoing datagrams dropped at random
 * @param lossSeed            the seed of that random choice
 */
public record UdpConfig(int maxConnections, int maxInboundPerIp, int connectTimeoutMs, int idleTimeoutMs, int keepaliveMs,
                        int targetDelayMs, int writeLowWaterBytes, int writeHighWaterBytes, long maxQueuedBytes,
                        int maxReassemblyBytes, long maxReassemblyBytesTotal, double injectedLossRate, long lossSeed) {

    /** Validates every field. */
    public UdpConfig {
        if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be >= 1, got " + maxConnections);
        if (maxInboundPerIp < 1) throw new IllegalArgumentException("maxInboundPerIp must be >= 1, got " + maxInboundPerIp);
        if (connectTimeoutMs < 1) throw new IllegalArgumentException("connectTimeoutMs must be >= 1, got " + connectTimeoutMs);
        if (keepaliveMs < 1) throw new IllegalArgumentException("keepaliveMs must be >= 1, got " + keepaliveMs);
        if (idleTimeoutMs <= keepaliveMs) {
            throw new IllegalArgumentException("idleTimeoutMs (" + idleTimeoutMs + ") must exceed keepaliveMs ("
                    + keepaliveMs + ")");
        }
        if (targetDelayMs < 1 || targetDelayMs > 100) {
            // RFC 6817 caps the target at 100 ms: more would no longer yield to other traffic.
            throw new IllegalArgumentException("targetDelayMs must be in 1..100, got " + targetDelayMs);
        }
        if (writeLowWaterBytes < 1 || writeHighWaterBytes < writeLowWaterBytes) {
            throw new IllegalArgumentException("need 1 <= writeLowWaterBytes <= writeHighWaterBytes, got "
                    + writeLowWaterBytes + " and " + writeHighWaterBytes);
        }
        if (maxQueuedBytes < writeHighWaterBytes) {
            throw new IllegalArgumentException("maxQueuedBytes (" + maxQueuedBytes + ") must be >= writeHighWaterBytes ("
                    + writeHighWaterBytes + ")");
        }
        if (maxReassemblyBytes < 2 * dev.starling.api.spi.FrameLimits.MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("maxReassemblyBytes must hold two of the largest frames, got "
                    + maxReassemblyBytes);
        }
        if (maxReassemblyBytesTotal < maxReassemblyBytes) {
            throw new IllegalArgumentException("maxReassemblyBytesTotal (" + maxReassemblyBytesTotal
                    + ") must be >= maxReassemblyBytes (" + maxReassemblyBytes + ")");
        }
        if (!(injectedLossRate >= 0 && injectedLossRate < 1)) {
            throw new IllegalArgumentException("injectedLossRate must be in [0, 1), got " + injectedLossRate);
        }
    }

    /**
     * @return the defaults: 256 links (8 inbound per IP), 5 s connect, 15 s idle, 1 s keep-alive, 100 ms target delay, water marks
     *     256 KiB / 1 MiB, 16 MiB cap, 8 MiB of reassembly per link and 128 MiB in all, no injected loss
     */
    public static UdpConfig defaults() {
        return builder().build();
    }

    /** @return a builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding these settings */
    public Builder toBuilder() {
        return new Builder().maxConnections(maxConnections).maxInboundPerIp(maxInboundPerIp).connectTimeoutMs(connectTimeoutMs)
                .idleTimeoutMs(idleTimeoutMs).keepaliveMs(keepaliveMs).targetDelayMs(targetDelayMs)
                .writeWaterMarks(writeLowWaterBytes, writeHighWaterBytes).maxQueuedBytes(maxQueuedBytes)
                .maxReassemblyBytes(maxReassemblyBytes).maxReassemblyBytesTotal(maxReassemblyBytesTotal).injectedLoss(injectedLossRate, lossSeed);
    }

    /** Builds a {@link UdpConfig}. */
    public static final class Builder {
        private int maxConnections = 256;
        private int maxInboundPerIp = 8;
        private int connectTimeoutMs = 5_000;
        private int idleTimeoutMs = 15_000;
        private int keepaliveMs = 1_000;
        private int targetDelayMs = 100;
        private int writeLowWaterBytes = 256 * 1024;
        private int writeHighWaterBytes = 1024 * 1024;
        private long maxQueuedBytes = 16L * 1024 * 1024;
        private int maxReassemblyBytes = 8 * 1024 * 1024;
        private long maxReassemblyBytesTotal = 128L * 1024 * 1024;
        private double injectedLossRate;
        private long lossSeed = 1;

        private Builder() {
        }

        /** @param v the most links open at once */
        public Builder maxConnections(int v) { maxConnections = v; return this; }
        /** @param v the most inbound links from one IP address (loopback is exempt) */
        public Builder maxInboundPerIp(int v) { maxInboundPerIp = v; return this; }
        /** @param v outbound handshake timeout, ms */
        public Builder connectTimeoutMs(int v) { connectTimeoutMs = v; return this; }
        /** @param v silence after which a peer is declared dead, ms */
        public Builder idleTimeoutMs(int v) { idleTimeoutMs = v; return this; }
        /** @param v quiet time after which a keep-alive goes out, ms */
        public Builder keepaliveMs(int v) { keepaliveMs = v; return this; }
        /** @param v LEDBAT's target queuing delay, ms (at most 100) */
        public Builder targetDelayMs(int v) { targetDelayMs = v; return this; }
        /** @param low writable again below this @param high unwritable above this */
        public Builder writeWaterMarks(int low, int high) { writeLowWaterBytes = low; writeHighWaterBytes = high; return this; }
        /** @param v unacknowledged bytes at which a link is closed as too slow */
        public Builder maxQueuedBytes(long v) { maxQueuedBytes = v; return this; }
        /** @param v bytes of incomplete frames held per link */
        public Builder maxReassemblyBytes(int v) { maxReassemblyBytes = v; return this; }
        /** @param v bytes of incomplete frames held by all links together */
        public Builder maxReassemblyBytesTotal(long v) { maxReassemblyBytesTotal = v; return this; }
        /** @param rate share of outgoing datagrams to drop @param seed the seed of the choice */
        public Builder injectedLoss(double rate, long seed) { injectedLossRate = rate; lossSeed = seed; return this; }

        /** @return the settings */
        public UdpConfig build() {
            return new UdpConfig(maxConnections, maxInboundPerIp, connectTimeoutMs, idleTimeoutMs, keepaliveMs, targetDelayMs,
                    writeLowWaterBytes, writeHighWaterBytes, maxQueuedBytes, maxReassemblyBytes, maxReassemblyBytesTotal, injectedLossRate,
                    lossSeed);
        }
    }
}
