package dev.starling.transport.runtime;

import dev.starling.api.DataListener;
import dev.starling.api.Gap;
import dev.starling.api.Stats;
import dev.starling.api.Viewer;
import dev.starling.core.node.NodeViewer;
import java.io.InputStream;
import java.util.function.Consumer;

/** A viewer the runtime started: {@link #close()} returns once its threads and port are free. */
final class RunningViewer implements Viewer {
    private final NodeViewer delegate;
    private final NettyRuntime.Shutdown shutdown;

    RunningViewer(NodeViewer delegate, NettyRuntime.Shutdown shutdown) {
        this.delegate = delegate;
        this.shutdown = shutdown;
    }

    @Override
    public Viewer onData(DataListener listener) {
        delegate.onData(listener);
        return this;
    }

    @Override
    public Viewer onGap(Consumer<Gap> listener) {
        delegate.onGap(listener);
        return this;
    }

    @Override
    public Viewer onEnd(Runnable listener) {
        delegate.onEnd(listener);
        return this;
    }

    @Override
    public InputStream inputStream() {
        return delegate.inputStream();
    }

    @Override
    public Stats stats() {
        return delegate.stats();
    }

    @Override
    public void close() {
        delegate.close();
        shutdown.awaitAndRelease(0);
    }
}
