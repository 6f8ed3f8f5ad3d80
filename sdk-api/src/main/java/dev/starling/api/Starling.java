package dev.starling.api;

import dev.starling.api.spi.PeerDiscovery;
import dev.starling.api.spi.StarlingRuntime;
import dev.starling.api.spi.Transport;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * The entry point.
 *
 * <pre>{@code
 * ChannelKeys keys = ChannelKeys.generate();
 * try (Broadcaster b = Starling.broadcaster(keys).listen(7000).start()) {
 *     b.publish(chunk, true);
 * }
 * try (Viewer v = Starling.viewer(ChannelLink.parse(text)).start()) {
 *     v.onData((seq, bytes) -> player.feed(bytes));
 * }
 * }</pre>
 *
 * The runtime that runs nodes (sdk-transport) is found with {@link ServiceLoader}.
 */
public final class Starling {
    private Starling() {
    }

    /** @return a builder for a broadcaster of the channel these keys sign */
    public static Builder<Broadcaster> broadcaster(ChannelKeys keys) {
        return new Builder<>(Objects.requireNonNull(keys, "keys"), null);
    }

    /** @return a builder for a viewer of the linked channel */
    public static Builder<Viewer> viewer(ChannelLink link) {
        return new Builder<>(null, Objects.requireNonNull(link, "link"));
    }

    /**
     * Collects a node's settings. Defaults: {@link StreamConfig#defaults()}, listen on any free port on all
     * interfaces, the "tcp" transport, {@link PeerExchangeConfig#defaults()}, and a broadcaster serves its own
     * tracker.
     *
     * @param <T> {@link Broadcaster} or {@link Viewer}
     */
    public static final class Builder<T extends AutoCloseable> {
        private final ChannelKeys keys;
        private final ChannelLink link;
        private StreamConfig config = StreamConfig.defaults();
        private InetSocketAddress listen = new InetSocketAddress(0);
        private Transport transport;
        private String transportName = "tcp";
        private final List<PeerDiscovery> discovery = new ArrayList<>();
        private PeerExchangeConfig peerExchange = PeerExchangeConfig.defaults();
        private boolean builtInTracker = true;

        private Builder(ChannelKeys keys, ChannelLink link) {
            this.keys = keys;
            this.link = link;
        }

        /** Sets the stream settings. */
        public Builder<T> config(StreamConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Listens on this port on all interfaces. */
        public Builder<T> listen(int port) {
            return listen(new InetSocketAddress(port));
        }

        /** Listens on this address. */
        public Builder<T> listen(InetSocketAddress address) {
            this.listen = Objects.requireNonNull(address, "address");
            return this;
        }

        /** Uses this transport instance (the node closes it). */
        public Builder<T> transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /** Uses the transport registered under this name ("tcp", "udp", ...). */
        public Builder<T> transport(String name) {
            this.transportName = Objects.requireNonNull(name, "name");
            this.transport = null;
            return this;
        }

        /** Adds a peer discovery mechanism; several run together. */
        public Builder<T> discovery(PeerDiscovery peerDiscovery) {
            discovery.add(Objects.requireNonNull(peerDiscovery, "peerDiscovery"));
            return this;
        }

        /** Sets how far addresses from peer exchange and discovery are trusted. */
        public Builder<T> peerExchange(PeerExchangeConfig peerExchange) {
            this.peerExchange = Objects.requireNonNull(peerExchange, "peerExchange");
            return this;
        }

        /**
         * Broadcaster only: whether to serve a BEP 15 (UDP) tracker for this channel on the listen port's number,
         * named in the broadcaster's {@link ChannelLink} so viewers given the link find each other. On by default.
         */
        public Builder<T> builtInTracker(boolean enabled) {
            this.builtInTracker = enabled;
            return this;
        }

        /** @return the collected settings */
        public NodeSpec spec() {
            return new NodeSpec(keys, link, config, listen, transport, transportName, discovery, peerExchange,
                    builtInTracker);
        }

        /**
         * Starts the node.
         *
         * @throws IllegalStateException if no runtime is on the class path (add sdk-transport)
         */
        @SuppressWarnings("unchecked")
        public T start() {
            StarlingRuntime runtime = ServiceLoader.load(StarlingRuntime.class).findFirst().orElseThrow(() ->
                    new IllegalStateException("no Starling runtime on the class path: add dev.starling:sdk-transport"));
            return (T) (keys != null ? runtime.startBroadcaster(spec()) : runtime.startViewer(spec()));
        }
    }
}
