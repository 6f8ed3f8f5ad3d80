package dev.starling.transport.runtime;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;

/** Picks the address a link should carry for a node bound to some local address. */
final class Addresses {
    private Addresses() {
    }

    /**
     * @return {@code bound} itself unless it is a wildcard; for a wildcard, the first site-local or global address
     *     of an interface that is up (IPv4 first), else loopback. Behind a NAT this is not what remote viewers
     *     can reach; trackers and peer exchange tell them the outside address.
     */
    static InetSocketAddress advertised(InetSocketAddress bound) {
        if (!bound.getAddress().isAnyLocalAddress()) {
            return bound;
        }
        InetAddress best = null;
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp() || nif.isLoopback()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a.isLinkLocalAddress() || a.isLoopbackAddress() || a.isMulticastAddress()) {
                        continue;
                    }
                    if (best == null || (a instanceof Inet4Address && !(best instanceof Inet4Address))) {
                        best = a;
                    }
                }
            }
        } catch (SocketException e) {
            best = null;
        }
        return new InetSocketAddress(best != null ? best : InetAddress.getLoopbackAddress(), bound.getPort());
    }
}
