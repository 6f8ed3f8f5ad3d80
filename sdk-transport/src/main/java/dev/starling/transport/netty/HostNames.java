package dev.starling.transport.netty;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Host names in addresses to dial (a channel link may name one), looked up off the transport's loop: a lookup can
 * block for seconds, and every link of the node waits on that loop.
 */
public final class HostNames {
    /**
     * Lookups block their thread for as long as DNS takes, so they get threads of their own, not the JVM's common
     * pool, which the application may rely on: at most four daemons, made as needed and gone after a minute idle;
     * more lookups wait their turn.
     */
    private static final ExecutorService LOOKUPS = lookupThreads();

    private static ExecutorService lookupThreads() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                task -> {
                    Thread t = new Thread(task, "starling-host-lookup");
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private HostNames() {
    }

    /**
     * Call on the transport's loop. With {@code remote} resolved, runs {@code dial} with it at once; with a host name,
     * looks it up on a thread of its own, then runs {@code dial} on {@code loop} with the address it resolved to, or
     * {@code fail} there with a reason if the lookup failed.
     */
    public static void resolveThen(InetSocketAddress remote, Executor loop, Consumer<InetSocketAddress> dial,
                                   Consumer<String> fail) {
        if (!remote.isUnresolved()) {
            dial.accept(remote);
            return;
        }
        CompletableFuture.supplyAsync(() -> new InetSocketAddress(remote.getHostString(), remote.getPort()), LOOKUPS)
                .whenComplete((resolved, error) -> loop.execute(() -> {
                    if (error != null || resolved.isUnresolved()) {
                        fail.accept("unknown host " + remote.getHostString());
                    } else {
                        dial.accept(resolved);
                    }
                }));
    }
}
