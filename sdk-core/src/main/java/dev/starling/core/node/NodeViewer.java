package dev.starling.core.node;

import dev.starling.api.DataListener;
import dev.starling.api.Gap;
import dev.starling.api.Stats;
import dev.starling.api.Viewer;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * {@link Viewer} over a {@link Node}. The node's loop hands delivered pieces to a bounded {@link DeliveryQueue};
 * the app's callbacks and the {@link #inputStream()} are fed from the callback executor, never the loop.
 */
public final class NodeViewer implements Viewer {
    private final Node node;
    private final DeliveryQueue queue;
    private final int capacity;
    private volatile DataListener dataListener;
    private volatile Runnable endListener;
    private volatile PieceInputStream stream;

    /**
     * @param node             a started viewer node
     * @param callbackExecutor runs the app's callbacks, one at a time
     * @param queuePieces      the bound of the delivery queue
     */
    public NodeViewer(Node node, Executor callbackExecutor, int queuePieces) {
        this.node = node;
        this.capacity = queuePieces;
        this.queue = new DeliveryQueue(queuePieces, callbackExecutor);
        queue.onData(this::dispatch);
        queue.onEnd(this::ended);
        node.loop().execute(() -> node.appQueue(queue));
    }

    private void dispatch(long seq, byte[] bytes) {
        PieceInputStream s = stream;
        if (s != null) {
            s.offer(bytes);
        }
        DataListener l = dataListener;
        if (l != null) {
            l.onData(seq, bytes);
        }
    }

    @Override
    public Viewer onData(DataListener listener) {
        dataListener = listener;
        return this;
    }

    @Override
    public Viewer onGap(Consumer<Gap> listener) {
        queue.onGap(listener);
        return this;
    }

    private void ended() {
        PieceInputStream s = stream;
        if (s != null) {
            s.end();
        }
        Runnable l = endListener;
        if (l != null) {
            l.run();
        }
    }

    @Override
    public Viewer onEnd(Runnable listener) {
        endListener = listener;
        return this;
    }

    @Override
    public synchronized InputStream inputStream() {
        if (stream == null) {
            stream = new PieceInputStream(capacity);
        }
        return stream;
    }

    @Override
    public Stats stats() {
        return node.stats();
    }

    @Override
    public void close() {
        node.loop().execute(node::close);
        PieceInputStream s = stream;
        if (s != null) {
            s.end();
        }
    }

    /** The stream as bytes: a bounded queue of pieces; a reader that falls behind loses pieces, not the swarm. */
    static final class PieceInputStream extends InputStream {
        private static final byte[] END = new byte[0];
        private final BlockingQueue<byte[]> pieces;
        private byte[] current = new byte[0];
        private int pos;
        private boolean ended;

        PieceInputStream(int capacity) {
            this.pieces = new ArrayBlockingQueue<>(capacity + 1);
        }

        void offer(byte[] bytes) {
            // The last slot is kept for the end marker. Full: the reader is behind; this piece is its gap.
            if (pieces.remainingCapacity() > 1) {
                pieces.offer(bytes);
            }
        }

        void end() {
            pieces.offer(END); // always fits: offer() leaves it a slot; a second end is a no-op for the reader
        }

        @Override
        public int read() throws java.io.IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws java.io.IOException {
            if (len == 0) {
                return 0;
            }
            while (pos == current.length) {
                if (ended) {
                    return -1;
                }
                try {
                    current = pieces.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for the stream");
                }
                pos = 0;
                if (current == END) {
                    ended = true;
                    return -1;
                }
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() {
            return current.length - pos;
        }
    }
}
