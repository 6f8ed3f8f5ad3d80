package dev.starling.transport;

import dev.starling.api.spi.Connection;
import dev.starling.api.spi.ConnectionHandler;
import dev.starling.api.spi.Payload;
import dev.starling.api.spi.Transport;
import dev.starling.api.spi.TransportLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Wraps any transport and drops received frames at random, with a seeded generator (in the spirit of Aeron's
 * {@code LossGenerator}): for tests, and for {@code demo --loss F}. A dropped frame is released and never
 * reaches the node, as if the network had lost it and nothing retransmitted it.
 *
 * <p>The first frame of each link (its handshake) always passes: over TCP a lost handshake would have been
 * retransmitted, and dropping it would only measure the handshake timeout.
 */
public final class LossyTransport implements Transport {
    private final Transport inner;
    private final double lossRate;
    private final SplittableRandom random;
    private long framesDropped;

    /**
     * @param inner    the transport that carries the frames
     * @param lossRate the probability that a received frame is dropped, in [0, 1)
     * @param seed     the generator's seed: the same seed drops the same frames of the same sequence
     */
    public LossyTransport(Transport inner, double lossRate, long seed) {
        if (!(lossRate >= 0 && lossRate < 1)) {
            throw new IllegalArgumentException("lossRate must be in [0, 1), got " + lossRate);
        }
        this.inner = inner;
        this.lossRate = lossRate;
        this.random = new SplittableRandom(seed);
    }

    /** @return frames dropped so far (read on the loop) */
    public long framesDropped() {
        return framesDropped;
    }

    @Override
    public TransportLoop loop() {
        return inner.loop();
    }

    @Override
    public InetSocketAddress listen(InetSocketAddress bindAddress, ConnectionHandler handler) throws IOException {
        return inner.listen(bindAddress, new Dropping(handler));
    }

    @Override
    public void handler(ConnectionHandler handler) {
        inner.handler(new Dropping(handler));
    }

    @Override
    public void connect(InetSocketAddress remote) {
        inner.connect(remote);
    }

    @Override
    public void close() {
        inner.close();
    }

    /** Passes every event through except the frames the generator picks. */
    private final class Dropping implements ConnectionHandler {
        private final ConnectionHandler next;
        private final Set<Long> handshaken = new HashSet<>();

        Dropping(ConnectionHandler next) {
            this.next = next;
        }

        @Override
        public void onConnected(Connection connection) {
            next.onConnected(connection);
        }

        @Override
        public void onFrame(Connection connection, byte[] header, Payload payload) {
            if (handshaken.add(connection.id()) || random.nextDouble() >= lossRate) {
                next.onFrame(connection, header, payload);
            } else {
                framesDropped++;
                payload.release();
            }
        }

        @Override
        public void onWritabilityChanged(Connection connection, boolean writable) {
            next.onWritabilityChanged(connection, writable);
        }

        @Override
        public void onDisconnected(Connection connection, String reason) {
            handshaken.remove(connection.id());
            next.onDisconnected(connection, reason);
        }

        @Override
        public void onConnectFailed(InetSocketAddress remote, String reason) {
            next.onConnectFailed(remote, reason);
        }
    }
}
