package dev.starling.api.spi;

/**
 * The single thread (real or virtual) that a node's engine is confined to. Every {@link ConnectionHandler} call
 * and every task runs on it, one at a time, so the engine needs no locks. The simulator implements it in virtual
 * time; Netty with an event loop.
 */
public interface TransportLoop {

    /** @return a monotonic time in nanoseconds; only differences mean anything */
    long nowNs();

    /** Runs {@code task} on the loop, after what is already queued. Callable from any thread. */
    void execute(Runnable task);

    /** Runs {@code task} on the loop after {@code delayNs}. */
    Cancellable schedule(long delayNs, Runnable task);

    /** @return whether the caller is running on this loop */
    boolean inLoop();
}
