package dev.starling.core.engine;

import dev.starling.api.PeerExchangeConfig;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * The addresses a node may dial: bounded, and shaped so that no one source and no one network owns it.
 *
 * <ul>
 *   <li>at most {@link PeerExchangeConfig#maxPerSubnet()} addresses per /24 (IPv4) or /48 (IPv6), and as many
 *       outbound connections there;</li>
 *   <li>at most {@link PeerExchangeConfig#maxPerSource()} addresses from one source (a peer, a discovery
 *       mechanism); the node's own sightings are not capped;</li>
 *   <li>dialling picks a source at random first, then an address of it, so a source with many addresses gets no
 *       more dials than one with few;</li>
 *   <li>only addresses this node itself reached recently are passed on ({@link #sampleReached}): hearsay does
 *       not travel, so a lie reaches one hop at most.</li>
 * </ul>
 * Iteration is in insertion order and randomness comes from the engine's seeded generator: simulations replay.
 */
final class CandidatePool {
    /** Ports below this are never dialled on a stranger's word (they are other services'). */
    static final int MIN_PORT = 1024;
    /** The source of addresses the node reached itself. */
    static final Object SELF = new Object() {
        @Override
        public String toString() {
            return "self";
        }
    };

    private final PeerExchangeConfig cfg;
    private final int capacity;
    private final SplittableRandom random;
    private final long recentNs;
    private final long hashSeed;
    // Keyed by Key, not InetSocketAddress: an address's own hash is ip + port, which a peer can aim (many entries in
    // one bucket turn lookups into scans of non-comparable keys), and which for addresses that differ only above
    // the lowest byte of the ip (as the simulator's do) falls into a few dozen buckets.
    private final Map<Key, Entry> byAddress = new LinkedHashMap<>();
    private final List<Entry> entries = new ArrayList<>(); // the same entries, for O(1) sampling and removal
    // reachedNs of entries.get(i) at [i]: sampleReached scans this one array rather than every entry object
    private long[] reachedAt = new long[16];
    private final Map<Long, Integer> perSubnet = new HashMap<>();
    private final Map<Object, Integer> perSource = new HashMap<>(); // lookups only: never iterated

    private static final class Entry {
        final InetSocketAddress address;
        final long subnet;
        final Object source;
        long notBeforeNs;
        long reachedNs = Long.MIN_VALUE;
        int index;
        int primary = -1; // the substream it forwards, if known
        boolean primaryFirsthand; // learned from its own handshake, not from hearsay

        Entry(InetSocketAddress address, long subnet, Object source, long notBeforeNs) {
            this.address = address;
            this.subnet = subnet;
            this.source = source;
            this.notBeforeNs = notBeforeNs;
        }
    }

    /**
     * A map key for an address, hashed under a per-node seed. For IPv4, {@code bits} (ip and port) decide equality
     * alone, so a lookup never reads the stored address's objects.
     */
    private record Key(InetSocketAddress address, long bits, boolean v4, int hash) {
        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && k.bits == bits && k.v4 == v4
                    && (v4 || k.address.equals(address));
        }
    }

    private Key key(InetSocketAddress a) {
        // For IPv4 (ip, port) maps to v one to one; the finaliser of SplitMix64 spreads it over all bits.
        InetAddress ip = a.getAddress();
        long bits = (long) ip.hashCode() << 16 ^ a.getPort(); // Inet4Address's hash is its address
        long v = bits ^ hashSeed;
        v = (v ^ (v >>> 30)) * 0xBF58476D1CE4E5B9L;
        v = (v ^ (v >>> 27)) * 0x94D049BB133111EBL;
        v ^= v >>> 31;
        return new Key(a, bits, ip instanceof Inet4Address, (int) (v ^ (v >>> 32)));
    }

    /**
     * @param hashSeed keys the address hash; secret to peers (the engine's seed), so they cannot aim collisions
     */
    CandidatePool(PeerExchangeConfig cfg, int capacity, SplittableRandom random, long hashSeed) {
        this.hashSeed = hashSeed;
        this.cfg = cfg;
        this.capacity = capacity;
        this.random = random;
        this.recentNs = cfg.recentMs() * 1_000_000L;
    }

    /**
     * The /24 (IPv4) or /48 (IPv6) an address belongs to, as one number (IPv4 and IPv6 never collide).
     */
    static long subnetOf(InetAddress ip) {
        byte[] b = ip.getAddress();
        if (ip instanceof Inet4Address) {
            return (1L << 60) | (b[0] & 0xFFL) << 16 | (b[1] & 0xFFL) << 8 | (b[2] & 0xFFL);
        }
        long v = 2L << 60;
        for (int i = 0; i < 6; i++) {
            v |= (b[i] & 0xFFL) << (8 * (5 - i));
        }
        return v;
    }

    /**
     * Whether a stranger's word is enough to dial this address: a specific unicast address on an unprivileged
     * port, and a loopback address only from a source that is itself on loopback.
     */
    static boolean dialable(InetSocketAddress a, boolean sourceOnLoopback) {
        InetAddress ip = a.getAddress();
        if (ip == null || a.getPort() < MIN_PORT || a.getPort() > 65535) {
            return false;
        }
        if (ip.isAnyLocalAddress() || ip.isMulticastAddress()) {
            return false;
        }
        return !ip.isLoopbackAddress() || sourceOnLoopback;
    }

    /** @return the number of addresses held */
    int size() {
        return entries.size();
    }

    boolean contains(InetSocketAddress a) {
        return byAddress.containsKey(key(a));
    }

    /**
     * Offers an address from a source.
     *
     * @return whether it is now held (new or already known); false if a subnet or source cap refused it
     */
    boolean offer(InetSocketAddress a, Object source, long nowNs) {
        Key k = key(a);
        if (byAddress.containsKey(k)) {
            return true;
        }
        long subnet = subnetOf(a.getAddress());
        if (perSubnet.getOrDefault(subnet, 0) >= cfg.maxPerSubnet()
                || (source != SELF && perSource.getOrDefault(source, 0) >= cfg.maxPerSource())) {
            return false;
        }
        if (entries.size() >= capacity) {
            Iterator<Entry> it = byAddress.values().iterator();
            Entry oldest = it.next();
            it.remove();
            unindex(oldest);
        }
        Entry e = new Entry(a, subnet, source, nowNs);
        byAddress.put(k, e);
        e.index = entries.size();
        entries.add(e);
        if (e.index == reachedAt.length) {
            reachedAt = java.util.Arrays.copyOf(reachedAt, reachedAt.length * 2);
        }
        reachedAt[e.index] = e.reachedNs;
        perSubnet.merge(subnet, 1, Integer::sum);
        perSource.merge(source, 1, Integer::sum);
        return true;
    }

    /**
     * Records that this node was connected to {@code a} now (it may be passed on for {@code recentMs}), and the
     * primary substream it said in its handshake (-1: none).
     */
    void reached(InetSocketAddress a, int primary, long nowNs) {
        if (offer(a, SELF, nowNs)) {
            Entry e = byAddress.get(key(a));
            e.reachedNs = nowNs;
            reachedAt[e.index] = nowNs;
            e.primary = primary;
            e.primaryFirsthand = true;
        }
    }

    /**
     * Notes a peer's word on which substream {@code a} forwards. Hearsay never overrides what the address said
     * itself; a lie costs the node one dial to a less useful neighbour.
     */
    void primaryHint(InetSocketAddress a, int primary) {
        Entry e = byAddress.get(key(a));
        if (e != null && !e.primaryFirsthand) {
            e.primary = primary;
        }
    }

    /** @return the substream {@code a} forwards as far as this node knows, or -1 */
    int primaryOf(InetSocketAddress a) {
        Entry e = byAddress.get(key(a));
        return e == null ? -1 : e.primary;
    }

    /**
     * Marks an address the broadcaster told of as fit to pass on, as if this node had reached it: the
     * broadcaster, whose key signs the stream, is the one source trusted that far.
     */
    void vouchedByBroadcaster(InetSocketAddress a, long nowNs) {
        Entry e = byAddress.get(key(a));
        if (e != null && e.reachedNs < nowNs) {
            e.reachedNs = nowNs;
            reachedAt[e.index] = nowNs;
        }
    }

    /** Holds off dialling {@code a} until {@code untilNs}. */
    void holdOff(InetSocketAddress a, long untilNs) {
        Entry e = byAddress.get(key(a));
        if (e != null) {
            e.notBeforeNs = untilNs;
        }
    }

    void remove(InetSocketAddress a) {
        Entry e = byAddress.remove(key(a));
        if (e != null) {
            unindex(e);
        }
    }

    private void unindex(Entry e) {
        Entry last = entries.remove(entries.size() - 1);
        if (last != e) {
            last.index = e.index;
            entries.set(e.index, last);
            reachedAt[e.index] = last.reachedNs;
        }
        decrement(perSubnet, e.subnet);
        decrement(perSource, e.source);
    }

    private static <K> void decrement(Map<K, Integer> counts, K key) {
        counts.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null);
    }

    /**
     * Picks up to {@code budget} addresses to dial now: a random source first, then one of its addresses, keeping
     * outbound connections per subnet within the cap. Each pick is held off until {@code holdOffUntilNs}.
     *
     * While {@code deficit[k] > 0} for some substream k, each pick is made among addresses known to forward the k
     * with the largest deficit (which it then lowers), as long as there are any; the rest among all.
     *
     * @param skip            addresses not to dial (connected, being dialled, banned)
     * @param outboundSubnets outbound connections already open or being dialled, per {@link #subnetOf} (updated)
     * @param deficit         per substream, how many more neighbours forwarding it are wanted (updated; may be
     *                        empty)
     */
    List<InetSocketAddress> pickToDial(int budget, long nowNs, long holdOffUntilNs, Predicate<InetSocketAddress> skip,
                                       Map<Long, Integer> outboundSubnets, int[] deficit) {
        List<InetSocketAddress> picked = new ArrayList<>();
        if (budget <= 0 || entries.isEmpty()) {
            return picked;
        }
        boolean[] exhausted = new boolean[deficit.length];
        while (picked.size() < budget) {
            int k = -1;
            for (int j = 0; j < deficit.length; j++) {
                if (!exhausted[j] && deficit[j] > 0 && (k < 0 || deficit[j] > deficit[k])) {
                    k = j;
                }
            }
            if (k < 0) {
                break;
            }
            int before = picked.size();
            pick(before + 1, nowNs, holdOffUntilNs, skip, outboundSubnets, k, picked);
            if (picked.size() == before) {
                exhausted[k] = true;
            } else {
                deficit[k]--;
            }
        }
        pick(budget, nowNs, holdOffUntilNs, skip, outboundSubnets, -1, picked);
        return picked;
    }

    private void pick(int budget, long nowNs, long holdOffUntilNs, Predicate<InetSocketAddress> skip,
                      Map<Long, Integer> outboundSubnets, int onlyPrimary, List<InetSocketAddress> picked) {
        Map<Object, List<Entry>> bySource = new LinkedHashMap<>();
        for (Entry e : byAddress.values()) {
            if (e.notBeforeNs <= nowNs && (onlyPrimary < 0 || e.primary == onlyPrimary)) {
                bySource.computeIfAbsent(e.source, s -> new ArrayList<>()).add(e);
            }
        }
        List<List<Entry>> groups = new ArrayList<>(bySource.values());
        while (picked.size() < budget && !groups.isEmpty()) {
            int g = random.nextInt(groups.size());
            List<Entry> group = groups.get(g);
            Entry e = group.remove(random.nextInt(group.size()));
            if (group.isEmpty()) {
                groups.set(g, groups.get(groups.size() - 1));
                groups.remove(groups.size() - 1);
            }
            if (skip.test(e.address) || outboundSubnets.getOrDefault(e.subnet, 0) >= cfg.maxPerSubnet()) {
                continue;
            }
            outboundSubnets.merge(e.subnet, 1, Integer::sum);
            e.notBeforeNs = holdOffUntilNs;
            picked.add(e.address);
        }
    }

    /**
     * Adds to {@code chosen}, up to {@code max} in all, a random sample of the addresses this node reached within
     * {@code recentMs}, keeping each subnet within the cap ({@code subnets} counts what is already chosen).
     */
    void sampleReached(Set<InetSocketAddress> chosen, int max, InetSocketAddress exclude, long nowNs,
                       Map<Long, Integer> subnets) {
        List<Entry> recent = new ArrayList<>();
        for (int i = 0, n = entries.size(); i < n; i++) {
            long at = reachedAt[i];
            if (at != Long.MIN_VALUE && nowNs - at <= recentNs) {
                Entry e = entries.get(i);
                if (!e.address.equals(exclude)) {
                    recent.add(e);
                }
            }
        }
        while (chosen.size() < max && !recent.isEmpty()) {
            int i = random.nextInt(recent.size());
            Entry e = recent.get(i);
            recent.set(i, recent.get(recent.size() - 1));
            recent.remove(recent.size() - 1);
            if (subnets.getOrDefault(e.subnet, 0) < cfg.maxPerSubnet() && chosen.add(e.address)) {
                subnets.merge(e.subnet, 1, Integer::sum);
            }
        }
    }

    /** @return how many addresses one source holds (tests) */
    int heldFrom(Object source) {
        return perSource.getOrDefault(source, 0);
    }
}
