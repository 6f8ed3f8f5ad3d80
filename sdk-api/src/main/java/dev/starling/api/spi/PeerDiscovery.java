package dev.starling.api.spi;

import dev.starling.api.ChannelId;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Consumer;

/**
 * Finds peers for a channel: the built-in tracker, a BitTorrent tracker, peer exchange, or an integrator's own.
 * Several can run together. Runs its I/O where it likes, but calls {@code onPeers} on the node's loop.
 */
public interface PeerDiscovery extends AutoCloseable {

    /**
     * Starts announcing this node and reporting peers.
     *
     * @param channel      the channel
     * @param localAddress the address this node accepts peers on
     * @param loop         the node's loop; {@code onPeers} must be called on it
     * @param onPeers      receives candidate addresses, untrusted
     */
    void start(ChannelId channel, InetSocketAddress localAddress, TransportLoop loop,
               Consumer<List<InetSocketAddress>> onPeers);

    /** Stops announcing (tells the tracker this node left, where it can) and releases everything. */
    @Override
    void close();
}
