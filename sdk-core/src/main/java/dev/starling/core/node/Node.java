package dev.starling.core.node;


import dev.starling.api.Gap;
import dev.starling.api.Stats;
import dev.starling.api.spi.Cancellable;
import dev.starling.api.spi.Connection;
import dev.starling.api.spi.ConnectionHandler;
import dev.starling.api.spi.Payload;
import dev.starling.api.spi.Transport;
import dev.starling.api.spi.TransportLoop;
import dev.starling.core.engine.EngineOutput;
import dev.starling.core.engine.PeerEngine;
import dev.starling.core.piece.Piece;
import dev.starling.core.util.LongMap;
import dev.starling.core.wire.proto.Control;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one {@link PeerEngine} over one {@link Transport}: transport events become engine inputs, engine
 * outputs become sends, dials and closes, and the engine's wake-up time becomes a timer on the transport's loop.
 * Used unchanged over TCP, UDP and the simulator. Every method runs on the transport's loop.
 */
public final class Node implements ConnectionHandler, EngineOutput {
    private static final Logger log = LoggerFactory.getLogger(Node.class);

    /** Receives in-order pieces on the loop (the simulator's measurements; the app uses a {@link DeliveryQueue}). */
    public interface PieceSink {
        /** A piece delivered in order; do not keep the payload beyond the call without retaining it. */
        void onPiece(Piece piece);

        /** A gap. */
        default void onGap(Gap gap) {
        }

        /** End of stream. */
        default void onEnd(long epoch) {
        }
    }

    private final Transport transport;
    private final TransportLoop loop;
    private final PeerEngine engine;
    private final LongMap<Connection> connections = new LongMap<>();
    private Cancellable timer;
    private long timerAtNs = Long.MAX_VALUE;
    private boolean closed;
    private PieceSink sink;
    private DeliveryQueue appQueue;
    private volatile Stats stats;
    private InetSocketAddress boundAddress;
    private Runnable closeListener;

    /**
     * @param transport     the transport (its loop runs everything)
     * @param engineFactory builds the engine with this node as its output, given the loop's current time
     */
    public Node(Transport transport, EngineFactory engineFactory) {
        this.transport = transport;
        this.loop = transport.loop();
        this.engine = engineFactory.create(this, loop.nowNs());
        this.stats = engine.stats();
    }

    /** Builds the engine once the node (its output) exists. */
    @FunctionalInterface
    public interface EngineFactory {
        /** @return a new engine writing to {@code out} */
        PeerEngine create(EngineOutput out, long nowNs);
    }

    /** Listens (port 0: any) and starts the engine's timer. Call on the loop. */
    public InetSocketAddress start(InetSocketAddress listen) {
        try {
            if (listen != null) {
                boundAddress = transport.listen(listen, this);
                engine.setListenPort(boundAddress.getPort());
            } else {
                transport.handler(this);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + listen, e);
        }
        rearm();
        return boundAddress;
    }

    /** @return the engine (use on the loop only) */
    public PeerEngine engine() {
        return engine;
    }

    /** @return the loop */
    public TransportLoop loop() {
        return loop;
    }

    /** @return the listening address, or null */
    public InetSocketAddress boundAddress() {
        return boundAddress;
    }

    /** Sets the loop-side piece sink. */
    public void pieceSink(PieceSink s) {
        this.sink = s;
    }

    /** Sets the app-side delivery queue. */
    public void appQueue(DeliveryQueue q) {
        this.appQueue = q;
    }

    /** @return the newest stats snapshot, safe from any thread (refreshed every engine tick) */
    public Stats stats() {
        return stats;
    }

    /** Closes the engine and the transport. Call on the loop. */
    public void close() {
        if (closed) {
            return;
        }
        engine.close(loop.nowNs());
        closed = true;
        if (timer != null) {
            timer.cancel();
        }
        stats = engine.stats();
        transport.close();
        if (closeListener != null) {
            closeListener.run();
        }
    }

    /** Runs {@code listener} on the loop once {@link #close()} has run (a runtime waits on it to free threads). */
    public void onClosed(Runnable listener) {
        this.closeListener = listener;
    }

    /** @return whether {@link #close()} ran */
    public boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------- timer

    private void onTimer() {
        timer = null;
        timerAtNs = Long.MAX_VALUE;
        if (closed) {
            return;
        }
        try {
            engine.onTimer(loop.nowNs());
        } finally {
            // Should a tick ever throw, the loop reports it, and the next tick still comes: without a timer the
            // engine would stop playing, repairing and telling its neighbours anything, silently.
            stats = engine.stats();
            rearm();
        }
    }

    private void rearm() {
        if (closed) {
            return;
        }
        long at = engine.nextDeadlineNs();
        if (at >= timerAtNs && timer != null) {
            return;
        }
        if (timer != null) {
            timer.cancel();
        }
        timerAtNs = at;
        timer = loop.schedule(Math.max(0, at - loop.nowNs()), this::onTimer);
    }

    // ---------------------------------------------------------------- transport events

    @Override
    public void onConnected(Connection c) {
        connections.put(c.id(), c);
        if (closed) {
            c.close("node closed");
            return;
        }
        // Each side keeps the other's record of the link: a frame or a send then needs no lookup by id (in a
        // simulated swarm, where every event touches another node, those lookups were a tenth of the run time).
        InetSocketAddress dialled = c.inbound() ? null : c.dialledAddress();
        c.attach(engine.onConnected(c.id(), c.remoteAddress(), dialled, c, loop.nowNs()));
    }

    @Override
    public void onFrame(Connection c, byte[] header, Payload payload) {
        if (closed) {
            payload.release();
            return;
        }
        engine.onFrame(c.attachment(), c.id(), header, payload, loop.nowNs());
    }

    /**
     * A frame whose header the transport already decoded with {@code ControlCodec.decode}: see
     * {@link PeerEngine#onFrame(long, Control, Payload, long)}.
     */
    public void onFrame(Connection c, Control header, Payload payload) {
        if (closed) {
            payload.release();
            return;
        }
        engine.onFrame(c.attachment(), c.id(), header, payload, loop.nowNs());
    }

    @Override
    public void onWritabilityChanged(Connection c, boolean writable) {
        // The engine asks queuedBytes() when it decides; nothing to push here yet.
    }

    @Override
    public void onDisconnected(Connection c, String reason) {
        connections.remove(c.id());
        c.attach(null);
        if (!closed) {
            engine.onDisconnected(c.id(), loop.nowNs());
        }
    }

    @Override
    public void onConnectFailed(InetSocketAddress remote, String reason) {
        if (!closed) {
            log.debug("connect to {} failed: {}", remote, reason);
            engine.onConnectFailed(remote, loop.nowNs());
        }
    }

    // ---------------------------------------------------------------- engine outputs

    @Override
    public void send(long peer, byte[] header, Payload payload) {
        send(peer, header, payload, Long.MAX_VALUE);
    }

    @Override
    public void send(long peer, byte[] header, Payload payload, long deadlineNs) {
        send(peer, null, header, payload, deadlineNs);
    }

    @Override
    public void send(long peer, Object link, byte[] header, Payload payload, long deadlineNs) {
        // A link still attached is still in the map; one this node let go of is looked up, and is not found.
        Connection c = link instanceof Connection known && known.attachment() != null ? known : connections.get(peer);
        if (c == null) {
            payload.release();
            return;
        }
        c.send(header, payload, deadlineNs); // a transport that cannot drop late frames ignores the deadline
    }

    @Override
    public long queuedBytes(long peer) {
        Connection c = connections.get(peer);
        return c == null ? 0 : c.queuedBytes();
    }

    @Override
    public void connect(InetSocketAddress address) {
        transport.connect(address);
    }

    @Override
    public void disconnect(long peer, String reason) {
        Connection c = connections.remove(peer);
        if (c != null) {
            c.attach(null);
            log.debug("closing {} ({}): {}", peer, c.remoteAddress(), reason);
            c.close(reason);
        }
    }

    @Override
    public void deliver(Piece piece) {
        if (sink != null) {
            sink.onPiece(piece);
        }
        if (appQueue != null) {
            if (!appQueue.offerData(piece.epoch(), piece.seq(), piece.payload().toByteArray())) {
                engine.counters().addDroppedSlowApp(1);
            }
        }
    }

    @Override
    public void gap(Gap gap) {
        if (sink != null) {
            sink.onGap(gap);
        }
        if (appQueue != null) {
            appQueue.offerGap(gap);
        }
    }

    @Override
    public void endOfStream(long epoch) {
        if (sink != null) {
            sink.onEnd(epoch);
        }
        if (appQueue != null) {
            appQueue.offerEnd();
        }
    }

}
