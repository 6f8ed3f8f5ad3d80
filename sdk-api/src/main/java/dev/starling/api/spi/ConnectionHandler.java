package dev.starling.api.spi;

import java.net.InetSocketAddress;

/** Events from a transport into the node that owns it; every call is made on the transport's loop. */
public interface ConnectionHandler {

    /** A link is up (inbound or outbound). */
    void onConnected(Connection connection);

    /**
     * A frame arrived. The handler owns one reference to {@code payload} and must release it (or pass it on).
     */
    void onFrame(Connection connection, byte[] header, Payload payload);

    /** The link's writability changed (its queue crossed a water mark). */
    void onWritabilityChanged(Connection connection, boolean writable);

    /** The link is gone; no more events for it. */
    void onDisconnected(Connection connection, String reason);

    /** An outbound connect failed. */
    void onConnectFailed(InetSocketAddress remote, String reason);
}
