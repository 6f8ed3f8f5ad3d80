package dev.starling.transport.netty;

import dev.starling.api.spi.Cancellable;
import dev.starling.api.spi.TransportLoop;
import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;

/** A {@link TransportLoop} on one Netty event loop: the engine it drives runs on that loop's thread alone. */
public final class NettyLoop implements TransportLoop {
    private final EventLoop eventLoop;

    /** @param eventLoop the loop every task and event of one node runs on */
    public NettyLoop(EventLoop eventLoop) {
        this.eventLoop = eventLoop;
    }

    /** @return the Netty loop */
    public EventLoop eventLoop() {
        return eventLoop;
    }

    @Override
    public long nowNs() {
        return System.nanoTime();
    }

    @Override
    public void execute(Runnable task) {
        eventLoop.execute(task);
    }

    @Override
    public Cancellable schedule(long delayNs, Runnable task) {
        var future = eventLoop.schedule(task, Math.max(0, delayNs), TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }

    @Override
    public boolean inLoop() {
        return eventLoop.inEventLoop();
    }
}
