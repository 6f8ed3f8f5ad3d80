package dev.starling.api;

/** Receives a viewer's stream: authenticated, in order, without duplicates. Runs on the app's callback thread. */
@FunctionalInterface
public interface DataListener {
    /**
     * @param sequence the piece's sequence number within its epoch
     * @param data     the piece's payload; the listener owns this array
     */
    void onData(long sequence, byte[] data);
}
