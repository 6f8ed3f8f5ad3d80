package dev.starling.transport.runtime;

import dev.starling.api.Broadcaster;
import dev.starling.api.ChannelLink;
import dev.starling.api.Stats;
import dev.starling.core.node.NodeBroadcaster;

/** A broadcaster the runtime started: {@link #close()} returns once its end of stream has left and its resources are free. */
final class RunningBroadcaster implements Broadcaster {
    private final NodeBroadcaster delegate;
    private final NettyRuntime.Shutdown shutdown;

    RunningBroadcaster(NodeBroadcaster delegate, NettyRuntime.Shutdown shutdown) {
        this.delegate = delegate;
        this.shutdown = shutdown;
    }

    @Override
    public long publish(byte[] data, boolean randomAccessPoint) {
        return delegate.publish(data, randomAccessPoint);
    }

    @Override
    public ChannelLink link() {
        return delegate.link();
    }

    @Override
    public long epoch() {
        return delegate.epoch();
    }

    @Override
    public Stats stats() {
        return delegate.stats();
    }

    @Override
    public void close() {
        delegate.close();
        shutdown.awaitAndRelease(NodeBroadcaster.CLOSE_LINGER_MS);
    }

    @Override
    public String toString() {
        return "Broadcaster[" + delegate.link() + "]";
    }
}
