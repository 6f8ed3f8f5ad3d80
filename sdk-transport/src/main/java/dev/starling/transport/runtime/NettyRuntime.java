package dev.starling.transport.runtime;

import dev.starling.api.Broadcaster;
import dev.starling.api.ChannelId;
import dev.starling.api.ChannelLink;
import dev.starling.api.NodeSpec;
import dev.starling.api.Viewer;
import dev.starling.api.spi.PeerDiscovery;
import dev.starling.api.spi.StarlingRuntime;
import dev.starling.api.spi.Transport;
import dev.starling.api.spi.TransportFactory;
import dev.starling.api.spi.TransportLoop;
import dev.starling.core.engine.EngineConfig;
import dev.starling.core.engine.PeerEngine;
import dev.starling.core.node.Node;
import dev.starling.core.node.NodeBroadcaster;
import dev.starling.core.node.NodeViewer;
import dev.starling.core.piece.Ed25519PieceVerifier;
import dev.starling.core.piece.PieceSigner;
import dev.starling.transport.discovery.BuiltInTracker;
import dev.starling.transport.discovery.TrackerDiscovery;
import dev.starling.transport.udp.UdpTransport;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime behind {@code Starling.broadcaster(...).start()} and {@code Starling.viewer(...).start()}: puts a
 * {@link Node} (the sans-I/O engine) on the chosen transport, confined to that transport's loop, and hands back
 * the public {@link Broadcaster} or {@link Viewer}. Closing either releases its threads and ports before
 * returning. Registered for {@link ServiceLoader}.
 */
public final class NettyRuntime implements StarlingRuntime {
    private static final Logger log = LoggerFactory.getLogger(NettyRuntime.class);
    private static final long CLOSE_WAIT_MS = 5_000;
    private final SecureRandom random = new SecureRandom();

    @Override
    public Broadcaster startBroadcaster(NodeSpec spec) {
        ChannelId channel = spec.keys().channelId();
        // Wall-clock microseconds: a restarted broadcaster's epoch is newer than the last one's.
        long epoch = wallClockUs();
        Transport transport = transportFor(spec);
        Node node = newNode(spec, transport, channel, new PieceSigner(spec.keys()), epoch);
        InetSocketAddress bound = startOrRelease(transport, () -> node.start(spec.listen()));
        InetSocketAddress advertised = Addresses.advertised(bound);
        ChannelLink link = ChannelLink.of(channel).withPeer(advertised);
        BuiltInTracker tracker = spec.builtInTracker() ? startTracker(channel, transport, bound) : null;
        if (tracker != null) {
            link = link.withTracker(BuiltInTracker.announceUrl(advertised));
        }
        NodeBroadcaster broadcaster = new NodeBroadcaster(node, link, epoch, spec.config(), NettyRuntime::wallClockUs);
        return new RunningBroadcaster(broadcaster, new Shutdown(node, transport,
                startDiscovery(spec, channel, node, bound), null, tracker));
    }

    /**
     * The broadcaster's own tracker, on the UDP port with its listen port's number: over {@code udp}, on the
     * transport's own socket; else on a socket of its own. Without it (the port is taken over UDP) viewers still
     * find each other through the broadcaster's peer exchange, so this only warns.
     */
    private static BuiltInTracker startTracker(ChannelId channel, Transport transport, InetSocketAddress bound) {
        if (transport instanceof UdpTransport udp) {
            return BuiltInTracker.attach(channel, udp);
        }
        try {
            return BuiltInTracker.start(channel, bound);
        } catch (IllegalStateException e) {
            log.warn("running without the built-in tracker: {}", e.getMessage());
            return null;
        }
    }

    @Override
    public Viewer startViewer(NodeSpec spec) {
        ChannelId channel = spec.link().channelId();
        Transport transport = transportFor(spec);
        Node node = newNode(spec, transport, channel, null, 0);
        InetSocketAddress bound = startOrRelease(transport, () -> {
            node.engine().addBootstrap(spec.link().peers());
            return node.start(spec.listen());
        });
        ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "starling-viewer-callbacks");
            t.setDaemon(true);
            return t;
        });
        NodeViewer viewer = new NodeViewer(node, callbacks, spec.config().deliveryQueuePieces());
        return new RunningViewer(viewer, new Shutdown(node, transport, startDiscovery(spec, channel, node, bound),
                callbacks, null));
    }

    private Node newNode(NodeSpec spec, Transport transport, ChannelId channel, PieceSigner signer, long epoch) {
        EngineConfig engineConfig = EngineConfig.builder().stream(spec.config()).peerExchange(spec.peerExchange())
                .build();
        Ed25519PieceVerifier verifier = new Ed25519PieceVerifier(channel);
        byte[] peerId = new byte[16];
        random.nextBytes(peerId);
        long seed = random.nextLong();
        long uploadBps = spec.config().uploadLimitBps();
        return new Node(transport, (out, nowNs) -> new PeerEngine(channel, signer, epoch, verifier, engineConfig,
                uploadBps, peerId, seed, nowNs, out));
    }

    private static List<PeerDiscovery> startDiscovery(NodeSpec spec, ChannelId channel, Node node, InetSocketAddress bound) {
        List<PeerDiscovery> all = new ArrayList<>(spec.discovery());
        all.addAll(linkTrackers(spec));
        List<PeerDiscovery> started = new ArrayList<>();
        for (PeerDiscovery d : all) {
            // Found peers are candidates, dialled as the engine needs more (the link's peers are the bootstrap).
            // Each mechanism is its own source: one lying tracker can't fill the candidate pool.
            d.start(channel, bound, node.loop(), peers -> node.engine().addCandidates(peers, d, node.loop().nowNs()));
            started.add(d);
        }
        return started;
    }

    /**
     * A viewer announces to the trackers its link names, unless the app added a client for the same URL itself
     * (with its own settings).
     */
    private static List<PeerDiscovery> linkTrackers(NodeSpec spec) {
        if (spec.link() == null) {
            return List.of();
        }
        List<URI> configured = new ArrayList<>();
        for (PeerDiscovery d : spec.discovery()) {
            if (d instanceof TrackerDiscovery t) {
                configured.add(t.tracker());
            }
        }
        List<PeerDiscovery> added = new ArrayList<>();
        for (URI tracker : spec.link().trackers()) {
            if (configured.contains(tracker)) {
                continue;
            }
            try {
                added.add(TrackerDiscovery.of(tracker));
            } catch (IllegalArgumentException e) {
                log.warn("not announcing to {}: {}", tracker, e.getMessage()); // https: not supported yet
            }
        }
        return added;
    }

    private static Transport transportFor(NodeSpec spec) {
        if (spec.transport() != null) {
            return spec.transport();
        }
        List<String> names = new ArrayList<>();
        for (TransportFactory f : ServiceLoader.load(TransportFactory.class)) {
            if (f.name().equals(spec.transportName())) {
                return f.create();
            }
            names.add(f.name());
        }
        throw new IllegalArgumentException("no transport named '" + spec.transportName() + "'; available: " + names);
    }

    /** Starts the node on its loop; if that fails (a busy port), closes the transport before rethrowing. */
    private static InetSocketAddress startOrRelease(Transport transport, Supplier<InetSocketAddress> start) {
        try {
            return onLoop(transport.loop(), start);
        } catch (RuntimeException e) {
            transport.close();
            throw e;
        }
    }

    /** Runs {@code task} on the loop and waits for its result, rethrowing its failure. */
    static <T> T onLoop(TransportLoop loop, Supplier<T> task) {
        if (loop.inLoop()) {
            return task.get();
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                result.complete(task.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the node", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the node's loop did not answer within " + CLOSE_WAIT_MS + " ms", e);
        }
    }

    private static long wallClockUs() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** What closing a running node releases, in order, waiting for each. */
    static final class Shutdown {
        private final Node node;
        private final Transport transport;
        private final List<PeerDiscovery> discovery;
        private final ExecutorService callbacks;
        private final BuiltInTracker tracker;
        private final CompletableFuture<Void> nodeClosed = new CompletableFuture<>();

        Shutdown(Node node, Transport transport, List<PeerDiscovery> discovery, ExecutorService callbacks,
                 BuiltInTracker tracker) {
            this.node = node;
            this.tracker = tracker;
            this.transport = transport;
            this.discovery = discovery;
            this.callbacks = callbacks;
            transport.loop().execute(() -> {
                if (node.isClosed()) {
                    nodeClosed.complete(null);
                } else {
                    node.onClosed(() -> nodeClosed.complete(null));
                }
            });
        }

        /** Waits for the node to close (after its own linger), then frees everything it held. */
        void awaitAndRelease(long lingerMs) {
            for (PeerDiscovery d : discovery) {
                d.close();
            }
            try {
                nodeClosed.get(lingerMs + CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // fall through: close the transport regardless
            }
            transport.close();
            if (tracker != null) {
                tracker.close();
            }
            if (callbacks != null) {
                callbacks.shutdown();
                try {
                    callbacks.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
