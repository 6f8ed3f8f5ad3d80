package dev.starling.transport.sim;

import dev.starling.api.spi.Payload;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A virtual-time network: nodes with an upload bandwidth (serialisation delay) and an access latency, links that
 * lose frames at random, and events ordered by (time, origin, sequence). Every random draw comes from a seeded
 * generator (one per node, split from the network's when the node is added), so the same seed replays the same run,
 * event for event.
 *
 * <p>One-way latency between two nodes is the sum of their access latencies, each drawn uniformly from half the
 * configured range, so link latencies span the range and need no per-pair storage. Frames on one link keep
 * their order (departures are serialised per node and a link's latency is fixed).
 *
 * <p><b>Lanes.</b> Each node belongs to one of several event queues (lanes), and the lanes advance together in
 * windows as long as the shortest one-way latency: whatever a node does to another arrives at least that much
 * later, so no lane can affect another within a window (conservative parallel simulation). Within a window the
 * threads take lanes in turn until none is left, so a thread whose lanes had less to do takes more of them
 * (with one lane per thread, the faster one waited for the other at the end of each window). An event's place
 * in the order is its time, then the node that scheduled it, then that node's own count, so the order at every
 * node, and with it every result, is the same whatever the number of lanes or threads. Events scheduled from
 * outside any node (joins, the encoder's clock in {@link SwarmSimulation}) run on the calling thread between
 * windows, before node events of the same time.
 */
public final class SimNetwork {
    /** Origin bits in an event's sequence: the scheduling node's index above, its own count below. */
    private static final int ORIGIN_SHIFT = 40;
    /**
     * Lanes per thread: enough that the threads end a window within a small share of it of each other, few enough
     * that handing events between lanes stays cheap.
     */
    private static final int LANES_PER_THREAD = 8;
    /** Each lane has an outbox for every other, so their number is capped (many threads get fewer per thread). */
    private static final int MAX_LANES = 128;

    private final SplittableRandom random;
    private final Map<InetSocketAddress, SimTransport> listeners = new HashMap<>();
    private final List<SimTransport> transports = new ArrayList<>();
    private final long latencyLoNs;
    private final long latencyHiNs;
    private final double loss;
    private final Lane serial;
    private final Lane[] lanes;
    private final long windowNs;
    private int nextHost = 1;
    private Lane mainCurrent;
    private final int threads;
    private final AtomicInteger nextLane = new AtomicInteger();
    /** Windows begun; its parity picks the outboxes that lanes fill in this window (they empty the other). */
    private long window = 1;
    /** The earliest event handed between lanes in the last window and not yet in its lane's queue. */
    private long pendingMinNs = Long.MAX_VALUE;
    private volatile Throwable laneFailure;

    /** One event. */
    static final class Event {
        final long atNs;
        final long seq;
        final int host;
        Runnable task;

        Event(long atNs, long seq, Runnable task) {
            this(atNs, seq, 0, task);
        }

        Event(long atNs, long seq, int host, Runnable task) {
            this.atNs = atNs;
            this.seq = seq;
            this.host = host;
            this.task = task;
        }
    }

    /**
     * Padding in front of a lane's fields. Lanes are allocated next to each other and run on different cores at
     * once; without it, one core's writes to its lane's clock and queue would invalidate the cache line another
     * core reads its own lane from (false sharing, on every event). 128 bytes: the line and its prefetched pair.
     */
    @SuppressWarnings("unused")
    private static class LanePadFront {
        int pad0; // fills the gap after the object header, so no field of the lane is placed there
        long p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15, p16;
    }

    /**
     * An event queue, its clock, and what it scheduled for other lanes during a window: in {@code outbox[w & 1][j]}
     * in window w for lane j, which takes them at the start of window w + 1 (the serial lane, {@code j} = the
     * number of lanes, at the end of window w), while this lane fills the other parity.
     */
    private static class LaneFields extends LanePadFront {
        final int index;
        final EventHeap queue = new EventHeap();
        final List<List<List<Event>>> outbox = List.of(new ArrayList<>(), new ArrayList<>());
        long postedMinNs = Long.MAX_VALUE; // earliest event put in another lane's outbox this window
        final List<SimTransport> toUnlisten = new ArrayList<>();
        SharedHeader lastHeader; // a node sends one buffer map to all its neighbours in one event
        long nowNs;
        long events;
        int currentHost;
        /**
         * Events scheduled so far by each host of this lane, at {@code host / lanes} (the serial lane: host 0 at
         * 0): the count orders a host's events, and only the lane running the host touches it.
         */
        long[] scheduledByHost = new long[64];

        LaneFields(int index) {
            this.index = index;
        }
    }

    /** A lane, with padding behind its fields as well (see {@link LanePadFront}). */
    @SuppressWarnings("unused")
    private static final class Lane extends LaneFields {
        long q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15, q16;

        Lane(int index) {
            super(index);
        }
    }

    /** A thread that runs lanes besides the calling one; {@code lane} is the one it runs now. */
    private static final class LaneThread extends Thread {
        final int index;
        Lane lane;

        LaneThread(int index, Runnable body) {
            super(body, "sim-lane-" + index);
            this.index = index;
            setDaemon(true);
        }
    }

    /**
     * A network whose events all run on the calling thread.
     *
     * @param seed        seeds every random draw of the network
     * @param latencyLoMs smallest one-way latency between two nodes
     * @param latencyHiMs largest one-way latency between two nodes
     * @param loss        probability that a frame is lost
     */
    public SimNetwork(long seed, double latencyLoMs, double latencyHiMs, double loss) {
        this(seed, latencyLoMs, latencyHiMs, loss, 1);
    }

    /**
     * @param seed        seeds every random draw of the network
     * @param latencyLoMs smallest one-way latency between two nodes
     * @param latencyHiMs largest one-way latency between two nodes
     * @param loss        probability that a frame is lost
     * @param threads     threads to run node events on (results do not depend on it); 1 if the smallest latency
     *                    is zero
     */
    public SimNetwork(long seed, double latencyLoMs, double latencyHiMs, double loss, int threads) {
        if (latencyHiMs < latencyLoMs || latencyLoMs < 0) {
            throw new IllegalArgumentException("latency range " + latencyLoMs + "-" + latencyHiMs);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.random = new SplittableRandom(seed);
        this.latencyLoNs = (long) (latencyLoMs * 1e6);
        this.latencyHiNs = (long) (latencyHiMs * 1e6);
        this.loss = loss;
        // The shortest one-way latency there can be: twice the smallest access latency.
        this.windowNs = 2 * (latencyLoNs / 2);
        this.threads = windowNs > 0 ? threads : 1;
        int n = this.threads == 1 ? 1 : Math.min(MAX_LANES, this.threads * LANES_PER_THREAD);
        this.serial = new Lane(-1);
        this.lanes = new Lane[n];
        for (int i = 0; i < n; i++) {
            lanes[i] = new Lane(i);
        }
        for (Lane l : allLanes()) {
            for (List<List<Event>> parity : l.outbox) {
                for (int j = 0; j <= n; j++) {
                    parity.add(new ArrayList<>());
                }
            }
        }
        this.mainCurrent = serial;
    }

    private List<Lane> allLanes() {
        List<Lane> all = new ArrayList<>(Arrays.asList(lanes));
        all.add(serial);
        return all;
    }

    /** @return the threads node events run on */
    public int threads() {
        return threads;
    }

    private Lane current() {
        return Thread.currentThread() instanceof LaneThread t ? t.lane : mainCurrent;
    }

    private Lane laneOf(int host) {
        return host == 0 ? serial : lanes[host % lanes.length];
    }

    /** @return virtual time now, as seen by the node (or the code outside nodes) that asks */
    public long nowNs() {
        return current().nowNs;
    }

    /** @return events run so far */
    public long events() {
        long n = serial.events;
        for (Lane l : lanes) {
            n += l.events;
        }
        return n;
    }

    private int newHost() {
        int host = nextHost++;
        LaneFields lane = laneOf(host);
        int i = countIndex(host);
        if (i >= lane.scheduledByHost.length) {
            lane.scheduledByHost = Arrays.copyOf(lane.scheduledByHost, i * 2);
        }
        return host;
    }

    private int countIndex(int host) {
        return host / lanes.length;
    }

    /**
     * @return which of the {@link #threads()} threads runs the current event (0: the one that called
     *         {@link #runUntil}); for per-thread tallies that are summed at the end
     */
    int threadIndex() {
        return Thread.currentThread() instanceof LaneThread t ? t.index : 0;
    }

    /**
     * Adds a node (from outside any node's events).
     *
     * @param uploadBps its upload bandwidth (0: it can send only control frames, slowly)
     * @return its transport
     */
    public SimTransport newTransport(long uploadBps) {
        int host = newHost();
        InetSocketAddress address = hostAddress(host);
        long access = latencyLoNs / 2 + (long) (random.nextDouble() * (latencyHiNs - latencyLoNs) / 2);
        SimTransport t = new SimTransport(this, host, address, uploadBps, access, random.split());
        transports.add(t);
        return t;
    }

    /**
     * The address of the n-th host. Each host gets its own /24 (up to 13 million hosts), as viewers of a real
     * swarm are spread over the Internet, so the engine's per-subnet limits bind in the simulator as they would
     * there. The first octet skips 127 (loopback).
     */
    static InetSocketAddress hostAddress(int n) {
        int subnet = n % 13_107_200;
        int first = 11 + subnet / 65_536;
        if (first >= 127) {
            first++;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {
                (byte) first, (byte) (subnet >>> 8), (byte) subnet, (byte) (1 + n / 13_107_200)}), 7000);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an IPv4 address", e);
        }
    }

    /** Adds a node at an address that was used before (a restarted node), with unlimited upload. */
    public SimTransport newTransportAt(InetSocketAddress address) {
        int host = newHost();
        long access = latencyLoNs / 2 + (long) (random.nextDouble() * (latencyHiNs - latencyLoNs) / 2);
        SimTransport t = new SimTransport(this, host, address, Long.MAX_VALUE / 16, access, random.split());
        transports.add(t);
        return t;
    }

    /** @return links, over all nodes, still open at the receiving end after delivering a forged piece */
    public int openLinksThatDeliveredForgeries() {
        int n = 0;
        for (SimTransport t : transports) {
            n += t.openLinksThatDeliveredForgeries();
        }
        return n;
    }

    /** A fresh generator split from the network's, for a node's engine or an app model (outside node events). */
    public long nextSeed() {
        return random.nextLong();
    }

    /**
     * Runs {@code task} at virtual time {@code atNs} (not earlier than now) for whoever asks: inside a node's event,
     * as that node's; outside, between windows.
     */
    public Event at(long atNs, Runnable task) {
        return at(current().currentHost, atNs, task);
    }

    /** Runs {@code task} at {@code atNs} (not earlier than now) as an event of node {@code host}. */
    Event at(int host, long atNs, Runnable task) {
        Lane from = current();
        int origin = from.currentHost;
        long seq = ((long) origin << ORIGIN_SHIFT) | from.scheduledByHost[countIndex(origin)]++;
        Event e = new Event(Math.max(atNs, from.nowNs), seq, host, task);
        Lane to = laneOf(host);
        if (to == from || from == serial) {
            to.queue.add(e);
        } else {
            // Another lane may be running: hand it over through the outbox (it is due after the window).
            from.outbox.get((int) (window & 1)).get(to == serial ? lanes.length : to.index).add(e);
            if (to != serial) {
                from.postedMinNs = Math.min(from.postedMinNs, e.atNs);
            }
        }
        return e;
    }

    /** Runs events until virtual time reaches {@code untilNs} or nothing is left. */
    public void runUntil(long untilNs) {
        LaneThread[] helpers = new LaneThread[threads - 1];
        long[] windowEnd = new long[1];
        boolean[] done = new boolean[1];
        SpinBarrier start = new SpinBarrier(threads);
        SpinBarrier end = new SpinBarrier(threads);
        for (int i = 0; i < helpers.length; i++) {
            LaneThread[] self = new LaneThread[1];
            helpers[i] = self[0] = new LaneThread(i + 1, () -> {
                try {
                    while (true) {
                        start.await();
                        if (done[0]) {
                            return;
                        }
                        runLanes(self[0], windowEnd[0]);
                        end.await();
                    }
                } catch (IllegalStateException interrupted) {
                    // the barrier broke: the calling thread was interrupted and ends the run
                }
            });
            helpers[i].start();
        }
        try {
            while (true) {
                long next = pendingMinNs;
                for (Lane l : lanes) {
                    if (l.queue.size() > 0) {
                        next = Math.min(next, l.queue.peekTime());
                    }
                }
                long serialNext = serial.queue.size() > 0 ? serial.queue.peekTime() : Long.MAX_VALUE;
                if (Math.min(next, serialNext) > untilNs) {
                    break;
                }
                if (serialNext <= next) {
                    runOne(serial, serial.queue.poll()); // outside-node events go first among equals
                    continue;
                }
                long stop = Math.min(serialNext, untilNs + 1);
                if (lanes.length > 1) {
                    stop = Math.min(stop, next + windowNs);
                }
                windowEnd[0] = stop;
                nextLane.set(0);
                start.await();
                runLanes(null, stop);
                end.await();
                if (laneFailure != null) {
                    Throwable t = laneFailure;
                    laneFailure = null;
                    if (t instanceof Error err) {
                        throw err;
                    }
                    throw (RuntimeException) t;
                }
                endWindow();
            }
        } finally {
            done[0] = true;
            try {
                start.await();
            } catch (IllegalStateException interrupted) {
                // broken: the helpers leave by themselves
            }
            for (LaneThread t : helpers) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        for (Lane l : allLanes()) {
            l.nowNs = Math.max(l.nowNs, untilNs);
        }
    }

    /**
     * Runs lanes, taken in turn with the other threads, until none is left in this window; each first takes what
     * the others handed it in the last one.
     *
     * @param helper the calling helper thread, or null for the calling thread of {@link #runUntil}
     */
    private void runLanes(LaneThread helper, long stopNs) {
        int previous = (int) ((window - 1) & 1);
        for (int i; (i = nextLane.getAndIncrement()) < lanes.length; ) {
            Lane lane = lanes[i];
            if (helper != null) {
                helper.lane = lane;
            } else {
                mainCurrent = lane;
            }
            try {
                for (Lane from : lanes) {
                    List<Event> box = from.outbox.get(previous).get(i);
                    for (int k = 0, n = box.size(); k < n; k++) {
                        lane.queue.add(box.get(k));
                    }
                    box.clear();
                }
                runLane(lane, stopNs);
            } catch (Throwable t) {
                // Whatever fails, this thread still reaches the end of the window (the others wait for it there),
                // and the calling thread throws it after the window.
                if (laneFailure == null) {
                    laneFailure = t instanceof RuntimeException || t instanceof Error ? t
                            : new IllegalStateException("simulated event failed", t);
                }
            } finally {
                if (helper == null) {
                    mainCurrent = serial;
                }
            }
        }
    }

    /** Runs a lane's events due before {@code stopNs}. */
    private void runLane(Lane lane, long stopNs) {
        while (lane.queue.size() > 0 && lane.queue.peekTime() < stopNs) {
            runOne(lane, lane.queue.poll());
        }
    }

    private static void runOne(Lane lane, Event e) {
        lane.nowNs = Math.max(lane.nowNs, e.atNs);
        Runnable task = e.task;
        if (task != null) {
            e.task = null;
            lane.events++;
            int before = lane.currentHost;
            lane.currentHost = e.host;
            try {
                task.run();
            } finally {
                lane.currentHost = before;
            }
        }
    }

    /**
     * Between windows: hands the serial lane what lanes scheduled for it, notes the earliest event they handed each
     * other (taken at the start of the next window), and forgets closed listeners.
     */
    private void endWindow() {
        int parity = (int) (window & 1);
        long pending = Long.MAX_VALUE;
        for (Lane from : allLanes()) {
            List<Event> box = from.outbox.get(parity).get(lanes.length);
            for (Event e : box) {
                serial.queue.add(e);
            }
            box.clear();
            pending = Math.min(pending, from.postedMinNs);
            from.postedMinNs = Long.MAX_VALUE;
            for (SimTransport t : from.toUnlisten) {
                listeners.remove(t.address(), t);
            }
            from.toUnlisten.clear();
        }
        // Lanes that had nothing to do catch up, so that what they schedule next is not in the past.
        long now = 0;
        for (Lane l : lanes) {
            now = Math.max(now, l.nowNs);
        }
        serial.nowNs = Math.max(serial.nowNs, now);
        pendingMinNs = pending;
        window++;
    }

    /**
     * The shared decode of a header about to be sent: the same instance for the same bytes sent again by the same
     * event (a buffer map to every neighbour) or with the same piece payload (a piece down its tree).
     */
    SharedHeader sharedHeader(byte[] header, Payload payload) {
        if (payload instanceof SimPayload sp) {
            SharedHeader h = sp.header;
            if (h == null || h.bytes != header) {
                h = new SharedHeader(header);
                sp.header = h;
            }
            return h;
        }
        Lane lane = current();
        SharedHeader h = lane.lastHeader;
        if (h == null || h.bytes != header) {
            h = new SharedHeader(header);
            lane.lastHeader = h;
        }
        return h;
    }

    boolean lost(SplittableRandom nodeRandom) {
        return loss > 0 && nodeRandom.nextDouble() < loss;
    }

    void listen(InetSocketAddress address, SimTransport t) {
        listeners.put(address, t);
    }

    void unlisten(InetSocketAddress address, SimTransport t) {
        Lane from = current();
        if (from == serial) {
            listeners.remove(address, t);
        } else {
            from.toUnlisten.add(t); // other lanes may be looking it up in this window
        }
    }

    SimTransport listener(InetSocketAddress address) {
        return listeners.get(address);
    }
}
