package dev.starling.transport.tcp;

/**
 * Settings of a {@link TcpTransport}. Immutable; build with {@link #builder()}.
 *
 * @param maxConnections       the most links open at once, inbound and outbound together; more are refused
 * @param connectTimeoutMs     an outbound connect that takes longer fails
 * @param handshakeTimeoutMs   a link that has not delivered its first frame by then is closed
 * @param idleTimeoutMs        a link that delivers nothing for this long is closed (peers send buffer maps often)
 * @param writeLowWaterBytes   a link becomes writable again when its queue drains below this
 * @param writeHighWaterBytes  a link reports itself unwritable above this (the engine's back-pressure signal)
 * @param maxQueuedBytes       a link whose unsent queue exceeds this is closed as too slow: memory stays bounded
 */
public record TcpConfig(int maxConnections, int connectTimeoutMs, int handshakeTimeoutMs, int idleTimeoutMs,
                        int writeLowWaterBytes, int writeHighWaterBytes, long maxQueuedBytes) {

    /** Validates every field. */
    public TcpConfig {
        if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be >= 1, got " + maxConnections);
        if (connectTimeoutMs < 1) throw new IllegalArgumentException("connectTimeoutMs must be >= 1, got " + connectTimeoutMs);
        if (handshakeTimeoutMs < 1) throw new IllegalArgumentException("handshakeTimeoutMs must be >= 1, got " + handshakeTimeoutMs);
        if (idleTimeoutMs < 1) throw new IllegalArgumentException("idleTimeoutMs must be >= 1, got " + idleTimeoutMs);
        if (writeLowWaterBytes < 1 || writeHighWaterBytes < writeLowWaterBytes) {
            throw new IllegalArgumentException("need 1 <= writeLowWaterBytes <= writeHighWaterBytes, got "
                    + writeLowWaterBytes + " and " + writeHighWaterBytes);
        }
        if (maxQueuedBytes < writeHighWaterBytes) {
            throw new IllegalArgumentException("maxQueuedBytes (" + maxQueuedBytes + ") must be >= writeHighWaterBytes ("
                    + writeHighWaterBytes + ")");
        }
    }

    /** @return the defaults: 256 links, 5 s connect and handshake, 30 s idle, water marks 256 KiB / 1 MiB, 16 MiB cap */
    public static TcpConfig defaults() {
        return builder().build();
    }

    /** @return a builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding these settings */
    public Builder toBuilder() {
        return new Builder().maxConnections(maxConnections).connectTimeoutMs(connectTimeoutMs)
                .handshakeTimeoutMs(handshakeTimeoutMs).idleTimeoutMs(idleTimeoutMs)
                .writeWaterMarks(writeLowWaterBytes, writeHighWaterBytes).maxQueuedBytes(maxQueuedBytes);
    }

    /** Builds a {@link TcpConfig}. */
    public static final class Builder {
        private int maxConnections = 256;
        private int connectTimeoutMs = 5_000;
        private int handshakeTimeoutMs = 5_000;
        private int idleTimeoutMs = 30_000;
        private int writeLowWaterBytes = 256 * 1024;
        private int writeHighWaterBytes = 1024 * 1024;
        private long maxQueuedBytes = 16L * 1024 * 1024;

        private Builder() {
        }

        /** @param v the most links open at once */
        public Builder maxConnections(int v) { maxConnections = v; return this; }
        /** @param v outbound connect timeout, ms */
        public Builder connectTimeoutMs(int v) { connectTimeoutMs = v; return this; }
        /** @param v time a link has to deliver its first frame, ms */
        public Builder handshakeTimeoutMs(int v) { handshakeTimeoutMs = v; return this; }
        /** @param v time a link may stay silent, ms */
        public Builder idleTimeoutMs(int v) { idleTimeoutMs = v; return this; }
        /** @param low writable again below this @param high unwritable above this */
        public Builder writeWaterMarks(int low, int high) { writeLowWaterBytes = low; writeHighWaterBytes = high; return this; }
        /** @param v unsent bytes at which a link is closed as too slow */
        public Builder maxQueuedBytes(long v) { maxQueuedBytes = v; return this; }

        /** @return the settings */
        public TcpConfig build() {
            return new TcpConfig(maxConnections, connectTimeoutMs, handshakeTimeoutMs, idleTimeoutMs,
                    writeLowWaterBytes, writeHighWaterBytes, maxQueuedBytes);
        }
    }
}
