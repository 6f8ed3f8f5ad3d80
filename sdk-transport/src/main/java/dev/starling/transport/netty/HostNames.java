package dev.starling.transport.netty;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Host names in addresses to dial (a channel link may name one), looked up off the transport's loop: a lookup can
 * block for seconds, and every link of the node waits on that loop.
 */
public final class HostNames {
    private HostNames() {
    }

    /**
     * Runs {@code dial} on {@code loop} with {@code remote} itself if it is resolved, else with the address its host
     * name resolves to once the lookup is done; runs {@code fail} there with a reason if the lookup fails.
     */
    public static void resolveThen(InetSocketAddress remote, Executor loop, Consumer<InetSocketAddress> dial,
                                   Consumer<String> fail) {
        if (!remote.isUnresolved()) {
            dial.accept(remote);
            return;
        }
        CompletableFuture.supplyAsync(() -> new InetSocketAddress(remote.getHostString(), remote.getPort()))
                .whenComplete((resolved, error) -> loop.execute(() -> {
                    if (error != null || resolved.isUnresolved()) {
                        fail.accept("unknown host " + remote.getHostString());
                    } else {
                        dial.accept(resolved);
                    }
                }));
    }
}
