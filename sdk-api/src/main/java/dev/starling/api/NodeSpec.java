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
 */
public record NodeSpec(ChannelKeys keys, ChannelLink link, StreamConfig config, InetSocketAddress listen,
                       Transport transport, String transportName, List<PeerDiscovery> discovery) {
    /** Copies the list. */
    public NodeSpec {
        discovery = List.copyOf(discovery);
    }
}
