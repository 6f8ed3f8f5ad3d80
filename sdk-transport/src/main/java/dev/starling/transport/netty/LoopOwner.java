package dev.starling.transport.netty;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Promise;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The event loop a Netty transport lives on, and how it lets go of it: its own one-thread group, which closing
 * shuts down, or the next loop of a shared group, which stays up (many nodes in one process). Shared by the
 * {@code tcp} and {@code udp} transports.
 */
public final class LoopOwner {
    private final EventLoopGroup ownedGroup;
    private final EventLoop eventLoop;
    private final NettyLoop loop;
    private final Promise<Void> released;

    private LoopOwner(EventLoopGroup group, boolean owned) {
        this.ownedGroup = owned ? group : null;
        this.eventLoop = group.next();
        this.loop = new NettyLoop(eventLoop);
        this.released = eventLoop.newPromise();
    }

    /** @return a loop on a new daemon thread named {@code threadName}, stopped by {@link #release} */
    public static LoopOwner ownThread(String threadName) {
        return new LoopOwner(new NioEventLoopGroup(1, new DefaultThreadFactory(threadName, true)), true);
    }

    /** @return the next loop of {@code group}, which {@link #release} leaves running */
    public static LoopOwner onShared(EventLoopGroup group) {
        return new LoopOwner(group, false);
    }

    /** @return the Netty loop */
    public EventLoop eventLoop() {
        return eventLoop;
    }

    /** @return the same loop as the SPI sees it */
    public NettyLoop loop() {
        return loop;
    }

    /**
     * Runs {@code closeTask} on the loop (null: it already ran, or is running, from an earlier call), then, with its
     * own thread, stops that thread gracefully, so the task and the channels' close events run first. Called from
     * outside the loop, returns once all of it is released (at most 10 s).
     */
    public void release(Runnable closeTask) {
        if (closeTask != null) {
            try {
                loop.execute(() -> {
                    try {
                        closeTask.run();
                    } finally {
                        released.trySuccess(null);
                    }
                });
            } catch (RejectedExecutionException e) {
                released.trySuccess(null); // the group is already shut down: nothing of ours is left running
            }
            if (ownedGroup != null) {
                ownedGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            }
        }
        if (loop.inLoop()) {
            return; // the loop cannot wait for itself; the close task runs right after the current one
        }
        if (ownedGroup != null) {
            ownedGroup.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
        } else {
            released.awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }
}
