package dev.starling.core.engine;

import dev.starling.api.Gap;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Piece;
import java.net.InetSocketAddress;

/**
 * Everything a {@link PeerEngine} asks of the world. The engine calls these synchronously from its inputs; the
 * driver carries them out (a socket write, a virtual-time event, a callback queue). Nothing here may call back
 * into the engine.
 */
public interface EngineOutput {

    /** Sends a frame; takes over one reference to {@code payload}. */
    void send(long peer, byte[] header, Payload payload);

    /**
     * Sends a frame that is worthless after {@code deadlineNs} (on the engine's clock): the transport may give it
     * up rather than deliver it late. By default the deadline is ignored.
     */
    default void send(long peer, byte[] header, Payload payload, long deadlineNs) {
        send(peer, header, payload);
    }

    /**
     * As {@link #send(long, byte[], Payload, long)}, with what the output gave the engine for this peer when it
     * connected ({@link PeerEngine#onConnected(long, InetSocketAddress, boolean, Object, long)}), so that it needs
     * no lookup by id.
     *
     * @param link the peer's link, or null
     */
    default void send(long peer, Object link, byte[] header, Payload payload, long deadlineNs) {
        send(peer, header, payload, deadlineNs);
    }

    /** @return bytes queued towards this peer and not yet sent (back-pressure); 0 if unknown */
    long queuedBytes(long peer);

    /** Opens a connection; the driver reports it with {@link PeerEngine#onConnected}. */
    void connect(InetSocketAddress address);

    /** Closes a connection; the driver reports it with {@link PeerEngine#onDisconnected}. */
    void disconnect(long peer, String reason);

    /** The next piece of the stream, in order, verified. The engine keeps its own reference. */
    void deliver(Piece piece);

    /** Pieces skipped. */
    void gap(Gap gap);

    /** The broadcaster ended the epoch and everything before the end was delivered or skipped. */
    void endOfStream(long epoch);
}
