package dev.starling.core.engine;

import dev.starling.api.PeerExchangeConfig;
import dev.starling.core.util.LongCounts;
import dev.starling.core.util.LongMap;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    // One record per address held, as parallel arrays indexed by position (struct of arrays): a node holds up to
    // `capacity` addresses and thousands of nodes share the simulator's heap, where an object graph per address
    // (entry, key, map node, socket address, ip) cost about 300 bytes and scattered every lookup over cold objects.
    // Positions are dense: removing a record moves the last one into its place, so sampling scans [0, size).
    private long[] bits = new long[16];        // IPv4: ip << 16 | port, exact; IPv6: V6_FLAG | a hash of both
    private InetSocketAddress[] v6;            // the address of IPv6 records (null until the first one)
    private long[] notBeforeNs = new long[16];
    private long[] reachedNs = new long[16];   // Long.MIN_VALUE: never reached
    private int[] sourceOf = new int[16];      // source id
    private byte[] primary = new byte[16];     // the substream it forwards, if known (-1)
    private boolean[] firsthand = new boolean[16]; // primary learned from its own handshake, not from hearsay
    private int[] older = new int[16];         // insertion order, a doubly linked list of positions (-1 ends it)
    private int[] newer = new int[16];
    private int oldest = -1;
    private int newest = -1;
    private int size;
    // Open addressing over positions + 1 (0: empty), keyed by the seeded hash of bits: peers cannot aim collisions.
    private int[] index = new int[32];
    private final LongCounts perSubnet;
    // Sources (peers, discovery, SELF) by a small id, with how many addresses each holds; ids are reused.
    private final Map<Object, Integer> sourceIds = new HashMap<>(); // lookups only: never iterated
    private Object[] sources = new Object[8];
    private int[] perSource = new int[8];
    private int[] freeSourceIds = new int[8];
    private int freeSources;
    private int sourceHighWater;

    private static final long V6_FLAG = 1L << 63;

    /**
     * @param hashSeed keys the address hash; secret to peers (the engine's seed), so they cannot aim collisions
     */
    CandidatePool(PeerExchangeConfig cfg, int capacity, SplittableRandom random, long hashSeed) {
        this.hashSeed = hashSeed;
        this.cfg = cfg;
        this.capacity = capacity;
        this.random = random;
        this.recentNs = cfg.recentMs() * 1_000_000L;
        this.perSubnet = new LongCounts(hashSeed * 0x9E3779B97F4A7C15L);
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

    /**
     * {@link #dialable} for an IPv4 address given as its {@link #v4Bits}, without building the address: peer exchange
     * brings thousands of addresses a minute, most of them already held.
     */
    static boolean dialableV4(long bits, boolean sourceOnLoopback) {
        int ip = (int) (bits >>> 16);
        int port = (int) (bits & 0xFFFF);
        if (port < MIN_PORT || ip == 0 || (ip & 0xF0000000) == 0xE0000000) {
            return false; // a privileged port, the any-local address, multicast
        }
        return (ip >>> 24) != 127 || sourceOnLoopback;
    }

    /** @return the record key of an IPv4 address and port: {@code ip << 16 | port} */
    static long v4Bits(int ip, int port) {
        return (ip & 0xFFFFFFFFL) << 16 | port;
    }

    /** @return an empty count per subnet (see {@link #subnetOf}), hashed under this pool's seed */
    LongCounts newSubnetCounts() {
        return newSubnetCounts(8);
    }

    private LongCounts newSubnetCounts(int expectedKeys) {
        return new LongCounts(hashSeed ^ 0x5B7E7L, expectedKeys);
    }

    /** @return the number of addresses held */
    int size() {
        return size;
    }

    boolean contains(InetSocketAddress a) {
        return find(a) >= 0;
    }

    // ------------------------------------------------------------------ records

    private static long bitsOf(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        if (ip instanceof Inet4Address) {
            return ((long) ip.hashCode() & 0xFFFFFFFFL) << 16 | a.getPort(); // Inet4Address's hash is its address
        }
        byte[] b = ip.getAddress();
        long h = a.getPort();
        for (byte x : b) {
            h = h * 31 + (x & 0xFF);
        }
        return V6_FLAG | LongCounts.mix(h) >>> 1;
    }

    private int home(long key) {
        return (int) LongCounts.mix(key ^ hashSeed) & (index.length - 1);
    }

    /** @return the position of {@code a}, or -1 */
    private int find(InetSocketAddress a) {
        if (a.getAddress() == null) {
            return -1;
        }
        return find(bitsOf(a), a);
    }

    /** @return the position of the address with these {@link #bitsOf bits} ({@code a}: the address, for IPv6), or -1 */
    private int find(long key, InetSocketAddress a) {
        int mask = index.length - 1;
        for (int i = home(key); index[i] != 0; i = (i + 1) & mask) {
            int r = index[i] - 1;
            if (bits[r] == key && (key >= 0 || v6[r].equals(a))) {
                return r;
            }
        }
        return -1;
    }

    /** @return the slot of {@link #index} that holds position {@code r} */
    private int slotOf(int r) {
        int mask = index.length - 1;
        int i = home(bits[r]);
        while (index[i] != r + 1) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private void indexInsert(int r) {
        if ((size + 1) * 2 > index.length) {
            index = new int[index.length * 2];
            for (int q = 0; q < size; q++) {
                if (q != r) {
                    place(q);
                }
            }
        }
        place(r);
    }

    private void place(int r) {
        int mask = index.length - 1;
        int i = home(bits[r]);
        while (index[i] != 0) {
            i = (i + 1) & mask;
        }
        index[i] = r + 1;
    }

    /** Backward-shift deletion (linear probing without tombstones). */
    private void indexDelete(int hole) {
        int mask = index.length - 1;
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            if (index[i] == 0) {
                break;
            }
            if (!LongMap.staysInRun(hole, i, home(bits[index[i] - 1]))) {
                index[hole] = index[i];
                hole = i;
            }
        }
        index[hole] = 0;
    }

    private long subnetAt(int r) {
        long b = bits[r];
        return b >= 0 ? (1L << 60) | (b >>> 24) : subnetOf(v6[r].getAddress());
    }

    private InetSocketAddress addressAt(int r) {
        long b = bits[r];
        if (b < 0) {
            return v6[r];
        }
        return new InetSocketAddress(v4Address((int) (b >>> 16)), (int) (b & 0xFFFF));
    }

    /** @return the IPv4 address whose four bytes {@code ip} holds, first byte highest */
    static InetAddress v4Address(int ip) {
        try {
            return InetAddress.getByAddress(
                    new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an IPv4 address", e);
        }
    }

    private int sourceId(Object source, boolean create) {
        Integer id = sourceIds.get(source);
        if (id != null || !create) {
            return id == null ? -1 : id;
        }
        int s = freeSources > 0 ? freeSourceIds[--freeSources] : sourceHighWater++;
        if (s == sources.length) {
            sources = Arrays.copyOf(sources, s * 2);
            perSource = Arrays.copyOf(perSource, s * 2);
        }
        sources[s] = source;
        sourceIds.put(source, s);
        return s;
    }

    private void releaseSource(int s) {
        if (--perSource[s] > 0) {
            return;
        }
        sourceIds.remove(sources[s]);
        sources[s] = null;
        if (freeSources == freeSourceIds.length) {
            freeSourceIds = Arrays.copyOf(freeSourceIds, freeSources * 2);
        }
        freeSourceIds[freeSources++] = s;
    }

    private void growRecords() {
        int n = bits.length * 2;
        bits = Arrays.copyOf(bits, n);
        if (v6 != null) {
            v6 = Arrays.copyOf(v6, n);
        }
        notBeforeNs = Arrays.copyOf(notBeforeNs, n);
        reachedNs = Arrays.copyOf(reachedNs, n);
        sourceOf = Arrays.copyOf(sourceOf, n);
        primary = Arrays.copyOf(primary, n);
        firsthand = Arrays.copyOf(firsthand, n);
        older = Arrays.copyOf(older, n);
        newer = Arrays.copyOf(newer, n);
    }

    /** Removes the record at {@code r}, moving the last record into its place. */
    private void removeAt(int r) {
        indexDelete(slotOf(r));
        unlink(r);
        perSubnet.add(subnetAt(r), -1);
        releaseSource(sourceOf[r]);
        int last = --size;
        if (r != last) {
            index[slotOf(last)] = r + 1;
            bits[r] = bits[last];
            if (v6 != null) {
                v6[r] = v6[last];
            }
            notBeforeNs[r] = notBeforeNs[last];
            reachedNs[r] = reachedNs[last];
            sourceOf[r] = sourceOf[last];
            primary[r] = primary[last];
            firsthand[r] = firsthand[last];
            older[r] = older[last];
            newer[r] = newer[last];
            if (older[r] >= 0) {
                newer[older[r]] = r;
            } else {
                oldest = r;
            }
            if (newer[r] >= 0) {
                older[newer[r]] = r;
            } else {
                newest = r;
            }
        }
        if (v6 != null) {
            v6[last] = null;
        }
    }

    private void unlink(int r) {
        if (older[r] >= 0) {
            newer[older[r]] = newer[r];
        } else {
            oldest = newer[r];
        }
        if (newer[r] >= 0) {
            older[newer[r]] = older[r];
        } else {
            newest = older[r];
        }
    }

    // ------------------------------------------------------------------ operations

    /**
     * Offers an address from a source.
     *
     * @return whether it is now held (new or already known); false if a subnet or source cap refused it
     */
    boolean offer(InetSocketAddress a, Object source, long nowNs) {
        return offerAt(a, source, nowNs) >= 0;
    }

    /**
     * Offers an address a peer told of, with what it said of it, in one lookup: its primary substream ({@code -1}:
     * not said; hearsay never overrides the address's own word) and whether the teller is the broadcaster: an address the broadcaster
     * told of is fit to pass on, as if this node had reached it (the broadcaster, whose key signs the stream, is the
     * one source trusted that far).
     *
     * @return whether it is now held
     */
    boolean offerHeard(InetSocketAddress a, Object source, long nowNs, int primaryHint, boolean byBroadcaster) {
        return heard(offerAt(a, source, nowNs), nowNs, primaryHint, byBroadcaster);
    }

    /** {@link #offerHeard} for an IPv4 address given as its {@link #v4Bits}. */
    boolean offerHeardV4(long bits, Object source, long nowNs, int primaryHint, boolean byBroadcaster) {
        return heard(offerAt(bits, null, source, nowNs), nowNs, primaryHint, byBroadcaster);
    }

    private boolean heard(int r, long nowNs, int primaryHint, boolean byBroadcaster) {
        if (r < 0) {
            return false;
        }
        if (primaryHint >= 0 && !firsthand[r]) {
            primary[r] = (byte) primaryHint;
        }
        if (byBroadcaster && reachedNs[r] < nowNs) {
            reachedNs[r] = nowNs;
        }
        return true;
    }

    /** @return the position of the address, held now, or -1 if a cap refused it */
    private int offerAt(InetSocketAddress a, Object source, long nowNs) {
        return a.getAddress() == null ? -1 : offerAt(bitsOf(a), a, source, nowNs);
    }

    /** @param a the address, needed for IPv6 only (negative {@code key}) */
    private int offerAt(long key, InetSocketAddress a, Object source, long nowNs) {
        int found = find(key, a);
        if (found >= 0) {
            return found;
        }
        long subnet = key >= 0 ? (1L << 60) | (key >>> 24) : subnetOf(a.getAddress());
        if (perSubnet.get(subnet) >= cfg.maxPerSubnet()) {
            return -1;
        }
        if (source != SELF) {
            int s = sourceId(source, false);
            if (s >= 0 && perSource[s] >= cfg.maxPerSource()) {
                return -1;
            }
        }
        if (size >= capacity) {
            removeAt(oldest);
        }
        int r = size++;
        if (r == bits.length) {
            growRecords();
        }
        bits[r] = key;
        if (key < 0) {
            if (v6 == null) {
                v6 = new InetSocketAddress[bits.length];
            }
            v6[r] = a;
        }
        notBeforeNs[r] = nowNs;
        reachedNs[r] = Long.MIN_VALUE;
        int s = sourceId(source, true);
        sourceOf[r] = s;
        perSource[s]++;
        primary[r] = -1;
        firsthand[r] = false;
        older[r] = newest;
        newer[r] = -1;
        if (newest >= 0) {
            newer[newest] = r;
        } else {
            oldest = r;
        }
        newest = r;
        indexInsert(r);
        perSubnet.add(subnet, 1);
        return r;
    }

    /**
     * Records that this node was connected to {@code a} now (it may be passed on for {@code recentMs}), and the
     * primary substream it said in its handshake (-1: none).
     */
    void reached(InetSocketAddress a, int primary, long nowNs) {
        int r = offerAt(a, SELF, nowNs);
        if (r >= 0) {
            reachedNs[r] = nowNs;
            this.primary[r] = (byte) primary;
            firsthand[r] = true;
        }
    }

    /** @return the substream {@code a} forwards as far as this node knows, or -1 */
    int primaryOf(InetSocketAddress a) {
        int r = find(a);
        return r < 0 ? -1 : primary[r];
    }

    /** Holds off dialling {@code a} until {@code untilNs}. */
    void holdOff(InetSocketAddress a, long untilNs) {
        int r = find(a);
        if (r >= 0) {
            notBeforeNs[r] = untilNs;
        }
    }

    void remove(InetSocketAddress a) {
        int r = find(a);
        if (r >= 0) {
            removeAt(r);
        }
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
                                       LongCounts outboundSubnets, int[] deficit) {
        List<InetSocketAddress> picked = new ArrayList<>();
        if (budget <= 0 || size == 0) {
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
                      LongCounts outboundSubnets, int onlyPrimary, List<InetSocketAddress> picked) {
        // Group the eligible positions by source, groups in order of each source's first address held.
        int[] groupOfSource = new int[sourceHighWater];
        Arrays.fill(groupOfSource, -1);
        List<int[]> groups = new ArrayList<>(); // [count, positions...], each grown as needed
        for (int r = oldest; r >= 0; r = newer[r]) {
            if (notBeforeNs[r] <= nowNs && (onlyPrimary < 0 || primary[r] == onlyPrimary)) {
                int g = groupOfSource[sourceOf[r]];
                if (g < 0) {
                    g = groups.size();
                    groupOfSource[sourceOf[r]] = g;
                    groups.add(new int[5]);
                }
                int[] group = groups.get(g);
                if (group[0] + 1 == group.length) {
                    group = Arrays.copyOf(group, group.length * 2);
                    groups.set(g, group);
                }
                group[++group[0]] = r;
            }
        }
        while (picked.size() < budget && !groups.isEmpty()) {
            int g = random.nextInt(groups.size());
            int[] group = groups.get(g);
            int i = 1 + random.nextInt(group[0]);
            int r = group[i];
            System.arraycopy(group, i + 1, group, i, group[0] - i); // keeps the rest in order
            if (--group[0] == 0) {
                groups.set(g, groups.get(groups.size() - 1));
                groups.remove(groups.size() - 1);
            }
            InetSocketAddress a = addressAt(r);
            long subnet = subnetAt(r);
            if (skip.test(a) || outboundSubnets.get(subnet) >= cfg.maxPerSubnet()) {
                continue;
            }
            outboundSubnets.add(subnet, 1);
            notBeforeNs[r] = holdOffUntilNs;
            picked.add(a);
        }
    }

    /** Receives the addresses of one peer-exchange message in order; primary: the substream it forwards (-1). */
    interface ExchangeSink {
        /** An IPv4 address, {@code ip} its four bytes as an int, first byte highest. */
        void addV4(int ip, int port, int primary);

        /** An IPv6 address. */
        void add(InetSocketAddress a, int primary);
    }

    /**
     * What one peer-exchange message tells, up to {@code max} addresses, no subnet past the cap, no address twice:
     * first the node's {@code connected} peers in order, then a random sample of the addresses it reached within
     * {@code recentMs}, never {@code exclude} (the recipient). Held addresses are chosen by position, so none is
     * built as an object only to be compared or encoded.
     */
    void chooseForExchange(List<InetSocketAddress> connected, InetSocketAddress exclude, int max, long nowNs,
                           ExchangeSink out) {
        Chosen chosen = new Chosen(max);
        for (InetSocketAddress a : connected) {
            if (chosen.n >= max) {
                break;
            }
            chosen.take(find(a), a, subnetOf(a.getAddress()));
        }
        int excluded = exclude == null ? -1 : find(exclude);
        int m = 0;
        for (int r = 0; r < size; r++) {
            if (recentlyReached(r, excluded, nowNs)) {
                m++;
            }
        }
        int[] recent = new int[m]; // counted first: a few dozen of a pool of up to a thousand
        m = 0;
        for (int r = 0; r < size && m < recent.length; r++) {
            if (recentlyReached(r, excluded, nowNs)) {
                recent[m++] = r;
            }
        }
        while (chosen.n < max && m > 0) {
            int i = random.nextInt(m);
            int r = recent[i];
            recent[i] = recent[--m];
            chosen.take(r, null, subnetAt(r));
        }
        for (int i = 0; i < chosen.n; i++) {
            int r = chosen.positions[i];
            if (r < 0) {
                InetSocketAddress a = chosen.notHeld[i];
                if (a.getAddress() instanceof Inet4Address) {
                    out.addV4(a.getAddress().hashCode(), a.getPort(), -1); // Inet4Address's hash is its address
                } else {
                    out.add(a, -1);
                }
            } else if (bits[r] < 0) {
                out.add(v6[r], primary[r]);
            } else {
                out.addV4((int) (bits[r] >>> 16), (int) (bits[r] & 0xFFFF), primary[r]);
            }
        }
    }

    private boolean recentlyReached(int r, int excluded, long nowNs) {
        long at = reachedNs[r];
        return at != Long.MIN_VALUE && nowNs - at <= recentNs && r != excluded;
    }

    /** The addresses one peer exchange has taken so far, by position (-1: a peer's address not held), per subnet. */
    private final class Chosen {
        final int[] positions;
        final InetSocketAddress[] notHeld;
        final LongCounts perSubnet;
        int n;

        Chosen(int max) {
            positions = new int[max];
            notHeld = new InetSocketAddress[max];
            // Sized for the most subnets an exchange can name: growing as it filled, it was an eighth of the bytes
            // a 10,000-viewer simulation allocated (and the list of recent candidates, at the pool's size, as much).
            perSubnet = newSubnetCounts(max);
        }

        /** Takes position r (or, not held, address a) unless its subnet is at the cap or it was taken already. */
        void take(int r, InetSocketAddress a, long subnet) {
            if (perSubnet.get(subnet) >= cfg.maxPerSubnet()) {
                return;
            }
            for (int i = 0; i < n; i++) {
                if (r >= 0 ? positions[i] == r : positions[i] < 0 && notHeld[i].equals(a)) {
                    return;
                }
            }
            perSubnet.add(subnet, 1);
            positions[n] = r;
            notHeld[n++] = r < 0 ? a : null;
        }
    }

    /** @return how many addresses one source holds (tests) */
    int heldFrom(Object source) {
        int s = sourceId(source, false);
        return s < 0 ? 0 : perSource[s];
    }
}
