package dev.starling.api.spi;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Moves frames between nodes: TCP, UDP, the simulator, or an integrator's own. One instance serves one node;
 * implementations are found with {@link java.util.ServiceLoader} through {@link TransportFactory}, or handed to
 * a builder.
 */
public interface Transport extends AutoCloseable {

    /** @return the loop all of this transport's events run on */
    TransportLoop loop();

    /**
     * Starts accepting connections.
     *
     * @param bindAddress where to listen; port 0 picks a free port
     * @param handler     receives every event of every connection of this transport
     * @return the bound address
     */
    InetSocketAddress listen(InetSocketAddress bindAddress, ConnectionHandler handler) throws IOException;

    /** Sets the handler without listening (a node that only dials out). */
    void handler(ConnectionHandler handler);

    /** Connects; the outcome arrives as {@link ConnectionHandler#onConnected} or {@link ConnectionHandler#onConnectFailed}. */
    void connect(InetSocketAddress remote);

    /** Closes every connection and releases every thread and port the transport holds. */
    @Override
    void close();
}
