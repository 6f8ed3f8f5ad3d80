package dev.starling.transport.sim;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A virtual-time network: one thread, one priority queue of events ordered by (time, sequence number), nodes
 * with an upload bandwidth (serialisation delay) and an access latency, links that lose frames at random.
 * Every random draw comes from one seeded generator, so the same seed replays the same run, event for event.
 *
 * <p>One-way latency between two nodes is the sum of their access latencies, each drawn uniformly from half the
 * configured range, so link latencies span the range and need no per-pair storage. Frames on one link keep
 * their order (departures are serialised per node and a link's latency is fixed).
 */
public final class SimNetwork {
    private final EventHeap queue = new EventHeap();
    private final SplittableRandom random;
    private final Map<InetSocketAddress, SimTransport> listeners = new HashMap<>();
    private final List<SimTransport> transports = new ArrayList<>();
    private final long latencyLoNs;
    private final long latencyHiNs;
    private final double loss;
    private long nowNs;
    private long sequence;
    private long events;
    private long nextConnectionId = 1;
    private int nextHost = 1;

    static final class Event {
        final long atNs;
        final long seq;
        Runnable task;

        Event(long atNs, long seq, Runnable task) {
            this.atNs = atNs;
            this.seq = seq;
            this.task = task;
        }
    }

    /**
     * @param seed        seeds every random draw of the network
     * @param latencyLoMs smallest one-way latency between two nodes
     * @param latencyHiMs largest one-way latency between two nodes
     * @param loss        probability that a frame is lost
     */
    public SimNetwork(long seed, double latencyLoMs, double latencyHiMs, double loss) {
        if (latencyHiMs < latencyLoMs || latencyLoMs < 0) {
            throw new IllegalArgumentException("latency range " + latencyLoMs + "-" + latencyHiMs);
        }
        this.random = new SplittableRandom(seed);
        this.latencyLoNs = (long) (latencyLoMs * 1e6);
        this.latencyHiNs = (long) (latencyHiMs * 1e6);
        this.loss = loss;
    }

    /** @return virtual time now */
    public long nowNs() {
        return nowNs;
    }

    /** @return events run so far */
    public long events() {
        return events;
    }

    /**
     * Adds a node.
     *
     * @param uploadBps its upload bandwidth (0: it can send only control frames, slowly)
     * @return its transport
     */
    public SimTransport newTransport(long uploadBps) {
        InetSocketAddress address = hostAddress(nextHost++);
        long access = latencyLoNs / 2 + (long) (random.nextDouble() * (latencyHiNs - latencyLoNs) / 2);
        SimTransport t = new SimTransport(this, address, uploadBps, access, random.split());
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
        long access = latencyLoNs / 2 + (long) (random.nextDouble() * (latencyHiNs - latencyLoNs) / 2);
        SimTransport t = new SimTransport(this, address, Long.MAX_VALUE / 16, access, random.split());
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

    /** A fresh generator split from the network's, for a node's engine or an app model. */
    public long nextSeed() {
        return random.nextLong();
    }

    /** Runs {@code task} at virtual time {@code atNs} (not earlier than now). */
    public Event at(long atNs, Runnable task) {
        Event e = new Event(Math.max(atNs, nowNs), sequence++, task);
        queue.add(e);
        return e;
    }

    /** Runs events until virtual time reaches {@code untilNs} or nothing is left. */
    public void runUntil(long untilNs) {
        while (queue.size() > 0 && queue.peekTime() <= untilNs) {
            Event e = queue.poll();
            nowNs = e.atNs;
            Runnable task = e.task;
            if (task != null) {
                e.task = null;
                events++;
                task.run();
            }
        }
        nowNs = Math.max(nowNs, untilNs);
    }

    boolean lost() {
        return loss > 0 && random.nextDouble() < loss;
    }

    long nextConnectionId() {
        return nextConnectionId++;
    }

    void listen(InetSocketAddress address, SimTransport t) {
        listeners.put(address, t);
    }

    void unlisten(InetSocketAddress address, SimTransport t) {
        listeners.remove(address, t);
    }

    SimTransport listener(InetSocketAddress address) {
        return listeners.get(address);
    }
}
