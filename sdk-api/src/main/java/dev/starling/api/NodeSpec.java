package dev.starling.api;

import dev.starling.api.spi.PeerDiscovery;
import dev.starling.api.spi.Transport;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Everything a builder collected for one node, handed to the runtime. Immutable.
 *
 * @param keys        the channel keys (broadcaster only, else null)
 * @param link        the channel link (viewer only, else null)
 * @param config      stream settings
 * @param listen      where to accept peers (port 0: any free port)
 * @param transport   the transport to use, or null to pick {@code transportName} through ServiceLoader
 * @param transportName the transport to look up when {@code transport} is null
 * @param discovery   extra peer discovery mechanisms, run together
 * @param peerExchange how far addresses from peer exchange and discovery are trusted
 * @param builtInTracker broadcaster only: whether it serves a BEP 15 tracker for its channel on its port
 */
public record NodeSpec(ChannelKeys keys, ChannelLink link, StreamConfig config, InetSocketAddress listen,
                       Transport transport, String transportName, List<PeerDiscovery> discovery,
                       PeerExchangeConfig peerExchange, boolean builtInTracker) {
    /** Copies the list. */
    public NodeSpec {
        discovery = List.copyOf(discovery);
        java.util.Objects.requireNonNull(peerExchange, "peerExchange");
    }
}
