package dev.starling.api.spi;

import java.net.InetSocketAddress;

/**
 * One link to a peer. Use only on the transport's loop.
 *
 * <p>A frame is a small control header (the engine's protobuf bytes) plus an optional payload that the
 * transport carries as raw bytes beside it.
 */
public interface Connection {

    /** @return an id unique within the transport, stable for the connection's life */
    long id();

    /** @return the peer's address as seen by this side */
    InetSocketAddress remoteAddress();

    /** @return whether the peer connected to us */
    boolean inbound();

    /**
     * The address this side was asked to dial, as it was given: a host name stays a host name (unresolved), where
     * {@link #remoteAddress()} is the address it resolved to. A node matches the link to its dial by it.
     *
     * @return that address for a link this side dialled, null for an inbound one; the default, for transports
     *         that dial resolved addresses only, is {@link #remoteAddress()}
     */
    default InetSocketAddress dialledAddress() {
        return inbound() ? null : remoteAddress();
    }

    /**
     * Queues a frame. Takes over one reference to {@code payload} (released once written or dropped).
     *
     * @param header  the control header, at most {@link FrameLimits#MAX_HEADER_BYTES}
     * @param payload the payload, {@link Payload#empty()} for none
     */
    void send(byte[] header, Payload payload);

    /**
     * Queues a frame that is worthless after {@code deadlineNs} (a piece the receiver can no longer play): a
     * transport that retransmits may give it up rather than send it late. Transports that cannot drop a queued
     * frame (a byte stream) send it as {@link #send(byte[], Payload)} does, which is what this default does.
     *
     * @param deadlineNs on the {@link TransportLoop#nowNs()} clock; {@link Long#MAX_VALUE} for none
     */
    default void send(byte[] header, Payload payload, long deadlineNs) {
        send(header, payload);
    }

    /** @return bytes queued and not yet on the wire: the engine's back-pressure signal */
    long queuedBytes();

    /** @return whether the queue is below the transport's high water mark */
    boolean isWritable();

    /** Closes the link; {@link ConnectionHandler#onDisconnected} follows with the reason. */
    void close(String reason);

    /**
     * @return what the handler last {@linkplain #attach attached}, or null (also for transports that keep nothing)
     */
    default Object attachment() {
        return null;
    }

    /**
     * Keeps an object of the handler's with the connection, for its own use on the connection's loop, as NIO's
     * {@code SelectionKey.attach}. A node keeps its engine's record of the peer here, so that a frame and a send
     * find it without a lookup by id. Transports may ignore it (the default): the handler then looks up by id.
     *
     * @param attachment the object, or null to clear it
     */
    default void attach(Object attachment) {
    }
}
