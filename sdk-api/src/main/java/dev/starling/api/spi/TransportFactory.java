package dev.starling.api.spi;

/** Creates transports by name ("tcp", "udp", ...); registered for {@link java.util.ServiceLoader}. */
public interface TransportFactory {

    /** @return the name users select it by */
    String name();

    /** @return a new transport for one node */
    Transport create();
}
