package dev.starling.core.node;

import dev.starling.api.Broadcaster;
import dev.starling.api.ChannelLink;
import dev.starling.api.Stats;
import dev.starling.api.StreamConfig;
import dev.starling.api.spi.Payload;
import dev.starling.core.piece.Piece;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * {@link Broadcaster} over a {@link Node}: {@link #publish} may be called from any thread; the work runs on the
 * node's loop, in call order. The wall clock for publish times is handed in (sdk-core reads no clock).
 */
public final class NodeBroadcaster implements Broadcaster {
    /** How long {@link #close()} lets the end of stream leave before the node closes. */
    public static final long CLOSE_LINGER_MS = 1_000;
    private static final long CLOSE_LINGER_NS = CLOSE_LINGER_MS * 1_000_000L;

    private final Node node;
    private final ChannelLink link;
    private final long epoch;
    private final int pieceBytes;
    private final LongSupplier wallClockUs;
    private final Object lock = new Object();
    private long nextSeq;
    private boolean closed;

    /**
     * @param node        a started broadcaster node
     * @param link        the link viewers should use
     * @param epoch       this start's epoch (the node's engine signs with it)
     * @param config      stream settings (piece size)
     * @param wallClockUs the broadcaster's wall clock, microseconds, for piece publish times
     */
    public NodeBroadcaster(Node node, ChannelLink link, long epoch, StreamConfig config, LongSupplier wallClockUs) {
        this.node = node;
        this.link = link;
        this.epoch = epoch;
        this.pieceBytes = config.pieceBytes();
        this.wallClockUs = wallClockUs;
    }

    @Override
    public long publish(byte[] data, boolean randomAccessPoint) {
        if (data.length == 0) {
            throw new IllegalArgumentException("nothing to publish: data is empty");
        }
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("broadcaster is closed");
            }
            long first = nextSeq;
            for (int off = 0; off < data.length; off += pieceBytes) {
                byte[] chunk = Arrays.copyOfRange(data, off, Math.min(data.length, off + pieceBytes));
                int flags = off == 0 && randomAccessPoint ? Piece.FLAG_RANDOM_ACCESS_POINT : 0;
                nextSeq++;
                // Tasks run in submission order, so the engine assigns the sequence numbers counted here.
                node.loop().execute(() -> {
                    if (!node.isClosed()) {
                        node.engine().publish(Payload.wrap(chunk), flags, wallClockUs.getAsLong(), node.loop().nowNs());
                    }
                });
            }
            return first;
        }
    }

    @Override
    public ChannelLink link() {
        return link;
    }

    @Override
    public long epoch() {
        return epoch;
    }

    @Override
    public Stats stats() {
        return node.stats();
    }

    /** Publishes the signed end of stream, lets it leave for a second, then closes the node. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        node.loop().execute(() -> {
            if (!node.isClosed()) {
                node.engine().endStream(wallClockUs.getAsLong(), node.loop().nowNs());
                node.loop().schedule(CLOSE_LINGER_NS, node::close);
            }
        });
    }
}
