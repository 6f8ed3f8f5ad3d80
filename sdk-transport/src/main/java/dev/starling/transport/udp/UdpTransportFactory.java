package dev.starling.transport.udp;

import dev.starling.api.spi.Transport;
import dev.starling.api.spi.TransportFactory;

/** Registers {@code udp} for {@link java.util.ServiceLoader}: a {@link UdpTransport} with the default settings. */
public final class UdpTransportFactory implements TransportFactory {
    @Override
    public String name() {
        return "udp";
    }

    @Override
    public Transport create() {
        return new UdpTransport();
    }
}
