package dev.starling.api;

import java.io.InputStream;
import java.util.function.Consumer;

/**
 * Watches one channel. Delivered bytes are authenticated and in order; the callbacks run on one callback thread,
 * fed by a bounded queue, so a slow callback costs this viewer gaps and never slows the swarm.
 */
public interface Viewer extends AutoCloseable {

    /** Sets the data callback (replacing any earlier one). */
    Viewer onData(DataListener listener);

    /** Sets the gap callback: pieces skipped because they missed their deadline or the app was slow. */
    Viewer onGap(Consumer<Gap> listener);

    /** Sets the end-of-stream callback: the broadcaster closed the stream. */
    Viewer onEnd(Runnable listener);

    /**
     * The stream as bytes, in order; gaps are skipped; end of stream is end of file. Reading is an alternative to
     * {@link #onData}: if both are used, both see every piece.
     */
    InputStream inputStream();

    /** @return a snapshot of the counters */
    Stats stats();

    /** Leaves the swarm and releases everything. */
    @Override
    void close();
}
