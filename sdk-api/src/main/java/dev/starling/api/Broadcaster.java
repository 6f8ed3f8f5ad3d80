package dev.starling.api;

/**
 * Publishes one channel's live stream. Thread-safe: {@link #publish} may be called from any thread.
 * {@link #close()} publishes a signed end of stream and stops the node.
 */
public interface Broadcaster extends AutoCloseable {

    /**
     * Publishes bytes as the next piece(s) of the stream. Each call starts a new piece, so the data is sent
     * without waiting for more; data longer than {@link StreamConfig#pieceBytes()} is split over several.
     *
     * @param data              the bytes, e.g. one MPEG-TS chunk from an encoder; copied
     * @param randomAccessPoint whether a player can start decoding at the start of {@code data}
     * @return the sequence number of the first piece
     */
    long publish(byte[] data, boolean randomAccessPoint);

    /** @return the link viewers need: the channel id, this broadcaster's address, any trackers */
    ChannelLink link();

    /** @return this broadcaster's epoch, higher than that of any earlier start with the same key */
    long epoch();

    /** @return a snapshot of the counters */
    Stats stats();

    /** Publishes a signed end of stream, lets it leave, and releases everything. */
    @Override
    void close();
}
