package dev.starling.core.node;

import dev.starling.api.DataListener;
import dev.starling.api.Gap;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The bounded queue between the network loop and the app's callbacks. The loop offers and never waits; the
 * callback executor drains one item per task. When the app falls behind and the queue is full, pieces are
 * dropped and become a {@link Gap.Reason#SLOW_CONSUMER} gap, delivered once the app catches up: a slow app costs
 * itself gaps, never the swarm its forwarding.
 */
public final class DeliveryQueue {
    private final int capacity;
    private final Executor executor;
    private final ArrayDeque<Object> items = new ArrayDeque<>();
    private final Object lock = new Object();
    private boolean draining;
    private long droppedFrom = -1;
    private long droppedTo;
    private long droppedEpoch;
    private long droppedTotal;
    private volatile DataListener dataListener;
    private volatile Consumer<Gap> gapListener;
    private volatile Runnable endListener;
    private final Runnable drainOne = this::drainOne;

    private record Data(long seq, byte[] bytes) { }

    private record End() { }

    /**
     * @param capacity most items waiting for the app
     * @param executor runs the app's callbacks, one at a time
     */
    public DeliveryQueue(int capacity, Executor executor) {
        this.capacity = capacity;
        this.executor = executor;
    }

    /** Sets the data listener. */
    public void onData(DataListener l) {
        dataListener = l;
    }

    /** Sets the gap listener. */
    public void onGap(Consumer<Gap> l) {
        gapListener = l;
    }

    /** Sets the end listener. */
    public void onEnd(Runnable l) {
        endListener = l;
    }

    /**
     * Offers a piece's bytes from the network loop.
     *
     * @return false if the queue was full and the piece became part of a slow-consumer gap
     */
    public boolean offerData(long epoch, long seq, byte[] bytes) {
        synchronized (lock) {
            if (items.size() >= capacity) {
                if (droppedFrom < 0) {
                    droppedFrom = seq;
                    droppedEpoch = epoch;
                }
                droppedTo = seq;
                droppedTotal++;
                return false;
            }
            flushDroppedLocked();
            items.add(new Data(seq, bytes));
            return kickLocked();
        }
    }

    /** Offers a gap from the network loop (never dropped: gaps are tiny and coalesce). */
    public void offerGap(Gap gap) {
        synchronized (lock) {
            flushDroppedLocked();
            items.add(gap);
            kickLocked();
        }
    }

    /** Offers the end of stream. */
    public void offerEnd() {
        synchronized (lock) {
            flushDroppedLocked();
            items.add(new End());
            kickLocked();
        }
    }

    /** @return pieces dropped because the app was slow, so far */
    public long droppedTotal() {
        synchronized (lock) {
            return droppedTotal;
        }
    }

    private void flushDroppedLocked() {
        if (droppedFrom >= 0 && items.size() < capacity) {
            items.add(new Gap(droppedEpoch, droppedFrom, droppedTo, Gap.Reason.SLOW_CONSUMER));
            droppedFrom = -1;
        }
    }

    private boolean kickLocked() {
        if (!draining) {
            draining = true;
            executor.execute(drainOne);
        }
        return true;
    }

    private void drainOne() {
        Object item;
        synchronized (lock) {
            item = items.poll();
            if (item == null) {
                draining = false;
                return;
            }
        }
        try {
            if (item instanceof Data d) {
                DataListener l = dataListener;
                if (l != null) {
                    l.onData(d.seq, d.bytes);
                }
            } else if (item instanceof Gap g) {
                Consumer<Gap> l = gapListener;
                if (l != null) {
                    l.accept(g);
                }
            } else {
                Runnable l = endListener;
                if (l != null) {
                    l.run();
                }
            }
        } finally {
            synchronized (lock) {
                flushDroppedLocked();
                if (items.isEmpty()) {
                    draining = false;
                } else {
                    executor.execute(drainOne);
                }
            }
        }
    }
}
