package dev.starling.transport.udp;

/**
 * Delay-based congestion control in the spirit of LEDBAT (RFC 6817), sans I/O: the sender keeps the queue it
 * builds at the bottleneck near a target delay (100 ms by default), so a viewer's uploads yield to the household's
 * other traffic, and also halves its window on loss (at most once per round trip), as the RFC requires.
 *
 * <p>One-way delay samples are the receiver's clock at arrival minus the sender's at sending. The clocks' offset is
 * unknown but constant, so it cancels out of the queuing delay: current delay (the least of the last
 * {@value #CURRENT_FILTER} samples) minus base delay (the least sample of the last {@value #BASE_HISTORY} minutes).
 *
 * <p>A new window starts in slow start (it grows by what each acknowledgement covers, doubling per round trip
 * while fully used), as RFC 6817 allows, and leaves it for good at the first loss or once the queuing delay reaches
 * half the target. Without it a link would take a round trip per packet of window to carry a piece in one burst,
 * and the swarm's trees, which open links all the time, would pay that on every new link.
 */
final class Ledbat {
    /** Bytes of one full datagram's payload: the window moves in these. */
    static final int MSS = 1200;
    static final int MIN_CWND_PACKETS = 2;
    static final int INIT_CWND_PACKETS = 4;
    static final double GAIN = 1.0;
    static final int ALLOWED_INCREASE_PACKETS = 2;
    static final int CURRENT_FILTER = 4;
    static final int BASE_HISTORY = 10;
    private static final long MINUTE_NS = 60_000_000_000L;

    private final long targetNs;
    private double cwndBytes = INIT_CWND_PACKETS * MSS;
    private final long[] current = new long[CURRENT_FILTER];
    private int currentCount;
    private int currentNext;
    private final long[] base = new long[BASE_HISTORY];
    private int baseCount;
    private long baseMinute = Long.MIN_VALUE;
    private long lastLossNs = Long.MIN_VALUE;
    private long rttNs = 100_000_000L; // until measured
    private long losses;
    private boolean slowStart = true;

    /** @param targetNs the queuing delay to aim for (RFC 6817: at most 100 ms) */
    Ledbat(long targetNs) {
        if (targetNs <= 0) {
            throw new IllegalArgumentException("target delay must be positive");
        }
        this.targetNs = targetNs;
    }

    /** @return the congestion window, bytes */
    long cwndBytes() {
        return (long) cwndBytes;
    }

    /** @return whether a packet of {@code bytes} may go now with {@code inFlightBytes} unacknowledged */
    boolean canSend(long inFlightBytes, int bytes) {
        return inFlightBytes + bytes <= cwndBytes || inFlightBytes == 0;
    }

    /** @return the estimated queuing delay, ns (0 until there are samples) */
    long queuingDelayNs() {
        if (currentCount == 0) {
            return 0;
        }
        return Math.max(0, min(current, currentCount) - min(base, baseCount));
    }

    /** @return whether the window is still in slow start */
    boolean inSlowStart() {
        return slowStart;
    }

    /** @return losses that shrank the window */
    long losses() {
        return losses;
    }

    /**
     * Newly acknowledged data.
     *
     * @param ackedBytes    bytes newly acknowledged
     * @param oneWayDelayNs receiver's arrival clock minus the sender's send clock for the packet acknowledged
     * @param rttNs         the round trip measured with this acknowledgement
     * @param inFlightBytes bytes still unacknowledged before this acknowledgement
     * @param nowNs         the sender's clock
     */
    void onAck(long ackedBytes, long oneWayDelayNs, long rttNs, long inFlightBytes, long nowNs) {
        if (rttNs > 0) {
            this.rttNs = rttNs;
        }
        addDelaySample(oneWayDelayNs, nowNs);
        long queuingNs = queuingDelayNs();
        if (slowStart && queuingNs >= targetNs / 2) {
            slowStart = false;
        }
        double maxAllowed = inFlightBytes + (double) ALLOWED_INCREASE_PACKETS * MSS;
        if (slowStart) {
            cwndBytes += ackedBytes;
            maxAllowed = Math.max(maxAllowed, 2.0 * inFlightBytes);
        } else {
            // At most one packet less per window: a delay sample gone wild (clocks drifting across the 32-bit
            // wrap of the send time) must not slam the window shut for the base delay's whole memory.
            double offTarget = Math.max(-1.0, (double) (targetNs - queuingNs) / targetNs);
            cwndBytes += GAIN * offTarget * ackedBytes * MSS / cwndBytes;
        }
        // Grow only while the window is used: an application-limited sender must not bank a window it never tested.
        cwndBytes = Math.max(MIN_CWND_PACKETS * MSS, Math.min(cwndBytes, Math.max(maxAllowed, MIN_CWND_PACKETS * MSS)));
    }

    /** A packet was lost: halve the window, once per round trip. */
    void onLoss(long nowNs) {
        if (lastLossNs != Long.MIN_VALUE && nowNs - lastLossNs < rttNs) {
            return;
        }
        lastLossNs = nowNs;
        losses++;
        slowStart = false;
        cwndBytes = Math.max(MIN_CWND_PACKETS * MSS, cwndBytes / 2);
    }

    private void addDelaySample(long delayNs, long nowNs) {
        current[currentNext] = delayNs;
        currentNext = (currentNext + 1) % CURRENT_FILTER;
        currentCount = Math.min(currentCount + 1, CURRENT_FILTER);
        long minute = nowNs / MINUTE_NS;
        if (baseCount == 0 || minute != baseMinute) {
            // A new minute: shift the history; the oldest minute's minimum is forgotten, so a route change that
            // lengthens the path is learned within BASE_HISTORY minutes.
            int keep = Math.min(baseCount, BASE_HISTORY - 1);
            System.arraycopy(base, 0, base, 1, keep);
            base[0] = delayNs;
            baseCount = keep + 1;
            baseMinute = minute;
        } else if (delayNs < base[0]) {
            base[0] = delayNs;
        }
    }

    private static long min(long[] values, int count) {
        long m = Long.MAX_VALUE;
        for (int i = 0; i < count; i++) {
            m = Math.min(m, values[i]);
        }
        return m;
    }
}
