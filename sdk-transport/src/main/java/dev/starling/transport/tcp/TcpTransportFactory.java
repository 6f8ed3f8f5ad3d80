package dev.starling.transport.tcp;

import dev.starling.api.spi.Transport;
import dev.starling.api.spi.TransportFactory;

/** Registers {@code tcp} for {@link java.util.ServiceLoader}: a {@link TcpTransport} with the default settings. */
public final class TcpTransportFactory implements TransportFactory {
    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public Transport create() {
        return new TcpTransport();
    }
}
