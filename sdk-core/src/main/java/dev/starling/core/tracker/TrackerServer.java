package dev.starling.core.tracker;

import dev.starling.core.util.AddressMac;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A BEP 15 (UDP) tracker for one channel, sans I/O: the driver hands it each datagram with its source address and
 * sends back what it returns. This is the tracker a broadcaster serves for its own channel, so that viewers given
 * only its link find each other; any BitTorrent client's UDP announce works against it.
 *
 * <ul>
 *   <li><b>No amplification, no state per stranger.</b> A connect (16 bytes in) gets 16 bytes out. Its connection
 *   id is a keyed hash (SipHash-2-4, secret per server) of the source address and the current minute, so the
 *   server remembers nothing until an announce proves, with that id, that the source receives at its address.
 *   An id is accepted for 2 to 3 minutes. Only then can a reply be larger than the request.</li>
 *   <li><b>One channel.</b> Announces for any other info-hash are answered with an error and not stored.</li>
 *   <li><b>Addresses are observed, not declared.</b> A peer is stored as the datagram's source address with the
 *   announced port; the IP field of the request is ignored, so nobody can enter a third party's address. Ports
 *   below {@link CompactPeers#MIN_PORT} are refused.</li>
 *   <li><b>Bounded.</b> At most {@code maxPeers} peers (the oldest announce goes first) and
 *   {@code maxPeersPerIp} per source IP; a peer not heard from for two intervals and a half is forgotten;
 *   {@code stopped} removes it at once. A reply lists at most {@link #MAX_PEERS_PER_REPLY} random other peers
 *   of the requester's address family.</li>
 * </ul>
 */
public final class TrackerServer {
    /** The most peers one reply lists. */
    public static final int MAX_PEERS_PER_REPLY = 50;
    /** Datagrams longer than this are not BEP 15 requests. */
    static final int MAX_REQUEST_BYTES = 1_024;
    private static final int CONNECT_BYTES = 16;
    private static final int ANNOUNCE_BYTES = 98;
    private static final long MINUTE_NS = 60_000_000_000L;
    private static final int EVENT_STOPPED = 3;

    private final byte[] infoHash;
    private final AddressMac mac;
    private final int intervalS;
    private final long expiryNs;
    private final int maxPeers;
    private final int maxPeersPerIp;
    private final SplittableRandom random;
    private final Map<InetSocketAddress, Entry> byAddress = new LinkedHashMap<>(); // oldest announce first
    private final List<Entry> entries = new ArrayList<>(); // the same, for sampling
    private final Map<InetAddress, Integer> perIp = new HashMap<>();
    private final Stats stats = new Stats();
    private long nextExpiryNs;

    private static final class Entry {
        final InetSocketAddress address;
        long expiresNs;
        int index;

        Entry(InetSocketAddress address) {
            this.address = address;
        }
    }

    /** Counters, read on the driver's thread. */
    public static final class Stats {
        long connects;
        long announces;
        long refused;
        long ignored;

        /** @return connect requests answered */
        public long connects() { return connects; }
        /** @return announces answered with peers */
        public long announces() { return announces; }
        /** @return announces answered with an error (other channel, low port, table full for that IP) */
        public long refused() { return refused; }
        /** @return datagrams dropped unanswered (malformed, unknown action, stale or forged connection id) */
        public long ignored() { return ignored; }
    }

    /**
     * @param infoHash      the channel's info-hash (20 bytes)
     * @param secret        16 random bytes keying the connection ids; never sent
     * @param intervalS     the re-announce interval given to clients
     * @param maxPeers      the most peers held
     * @param maxPeersPerIp the most peers held per source IP
     * @param seed          seeds the choice of peers in replies
     */
    public TrackerServer(byte[] infoHash, byte[] secret, int intervalS, int maxPeers, int maxPeersPerIp, long seed) {
        if (infoHash.length != 20 || secret.length != 16) {
            throw new IllegalArgumentException("info-hash is 20 bytes and the secret 16");
        }
        if (intervalS < 1 || maxPeers < 1 || maxPeersPerIp < 1) {
            throw new IllegalArgumentException("interval and limits must be positive");
        }
        this.infoHash = infoHash.clone();
        this.mac = new AddressMac(secret);
        this.intervalS = intervalS;
        this.expiryNs = intervalS * 2_500_000_000L;
        this.maxPeers = maxPeers;
        this.maxPeersPerIp = maxPeersPerIp;
        this.random = new SplittableRandom(seed);
    }

    /** @return the counters */
    public Stats stats() {
        return stats;
    }

    /** @return peers held now */
    public int peers() {
        return entries.size();
    }

    /**
     * Handles one datagram.
     *
     * @param data   the datagram (not kept)
     * @param from   its source address
     * @param nowNs  the current time
     * @return the reply to send to {@code from}, or null to send nothing
     */
    public byte[] onDatagram(byte[] data, InetSocketAddress from, long nowNs) {
        expire(nowNs);
        if (data.length < CONNECT_BYTES || data.length > MAX_REQUEST_BYTES || from.getAddress() == null) {
            stats.ignored++;
            return null;
        }
        ByteBuffer in = ByteBuffer.wrap(data);
        long connectionId = in.getLong();
        int action = in.getInt();
        int tx = in.getInt();
        if (action == UdpTrackerSession.ACTION_CONNECT && connectionId == UdpTrackerSession.PROTOCOL_ID) {
            stats.connects++;
            return ByteBuffer.allocate(16).putInt(UdpTrackerSession.ACTION_CONNECT).putInt(tx)
                    .putLong(connectionId(from, nowNs / MINUTE_NS)).array();
        }
        if (action != UdpTrackerSession.ACTION_ANNOUNCE || data.length < ANNOUNCE_BYTES || !validId(connectionId, from, nowNs)) {
            stats.ignored++; // includes scrape (action 2): not served
            return null;
        }
        // The source receives at its address: from here a reply may be larger than the request.
        byte[] hash = new byte[20];
        in.get(hash);
        if (!Arrays.equals(hash, infoHash)) {
            stats.refused++;
            return error(tx, "unknown info-hash");
        }
        in.position(80);
        int event = in.getInt();
        in.position(92);
        int numWant = in.getInt();
        int port = in.getShort() & 0xFFFF;
        if (port < CompactPeers.MIN_PORT) {
            stats.refused++;
            return error(tx, "port below " + CompactPeers.MIN_PORT);
        }
        InetSocketAddress peer = new InetSocketAddress(from.getAddress(), port);
        if (event == EVENT_STOPPED) {
            remove(peer);
        } else if (!store(peer, nowNs)) {
            stats.refused++;
            return error(tx, "too many peers from one address");
        }
        stats.announces++;
        int want = numWant < 0 || numWant > MAX_PEERS_PER_REPLY ? MAX_PEERS_PER_REPLY : numWant;
        int addressBytes = from.getAddress() instanceof Inet4Address ? 4 : 16;
        List<InetSocketAddress> sample = event == EVENT_STOPPED ? List.of() : sample(want, peer, addressBytes);
        byte[] compact = CompactPeers.encode(sample, addressBytes);
        return ByteBuffer.allocate(20 + compact.length).putInt(UdpTrackerSession.ACTION_ANNOUNCE).putInt(tx)
                .putInt(intervalS).putInt(entries.size()).putInt(0).put(compact).array();
    }

    private long connectionId(InetSocketAddress from, long minute) {
        // The top bit clear: a datagram that starts with a set top bit is the UDP transport's own (it may share this
        // tracker's socket), never an announce. Never the connect magic, so an id can't pass for a connect request.
        long id = mac.of(from, 0, minute) & Long.MAX_VALUE;
        return id == UdpTrackerSession.PROTOCOL_ID ? id ^ 1 : id;
    }

    private boolean validId(long id, InetSocketAddress from, long nowNs) {
        long minute = nowNs / MINUTE_NS;
        // Issued this minute or in the two before: BEP 15 clients use an id for up to a minute.
        for (long m = minute; m >= minute - 2; m--) {
            if (id == connectionId(from, m)) {
                return true;
            }
        }
        return false;
    }

    private byte[] error(int tx, String message) {
        byte[] text = message.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(8 + text.length).putInt(UdpTrackerSession.ACTION_ERROR).putInt(tx).put(text).array();
    }

    private boolean store(InetSocketAddress peer, long nowNs) {
        Entry e = byAddress.get(peer);
        if (e == null) {
            if (perIp.getOrDefault(peer.getAddress(), 0) >= maxPeersPerIp) {
                return false;
            }
            if (entries.size() >= maxPeers) {
                remove(byAddress.keySet().iterator().next());
            }
            e = new Entry(peer);
            e.index = entries.size();
            entries.add(e);
            perIp.merge(peer.getAddress(), 1, Integer::sum);
        } else {
            byAddress.remove(peer); // re-inserted below: the table stays in announce order
        }
        byAddress.put(peer, e);
        e.expiresNs = nowNs + expiryNs;
        return true;
    }

    private void remove(InetSocketAddress peer) {
        Entry e = byAddress.remove(peer);
        if (e == null) {
            return;
        }
        Entry last = entries.remove(entries.size() - 1);
        if (last != e) {
            last.index = e.index;
            entries.set(e.index, last);
        }
        perIp.computeIfPresent(peer.getAddress(), (k, n) -> n > 1 ? n - 1 : null);
    }

    private void expire(long nowNs) {
        if (nowNs < nextExpiryNs) {
            return;
        }
        nextExpiryNs = nowNs + 1_000_000_000L;
        // Oldest announce first: stop at the first that is still fresh.
        while (!byAddress.isEmpty()) {
            Entry oldest = byAddress.values().iterator().next();
            if (oldest.expiresNs > nowNs) {
                break;
            }
            remove(oldest.address);
        }
    }

    private List<InetSocketAddress> sample(int want, InetSocketAddress requester, int addressBytes) {
        List<InetSocketAddress> out = new ArrayList<>(Math.min(want, entries.size()));
        int n = entries.size();
        if (n == 0) {
            return out;
        }
        // A random start and a random stride coprime with n visit every entry once, in an order that changes
        // with every reply, without copying the table.
        int at = random.nextInt(n);
        int stride = n == 1 ? 1 : 1 + random.nextInt(n - 1);
        while (gcd(stride, n) != 1) {
            stride = stride % (n - 1) + 1;
        }
        for (int i = 0; i < n && out.size() < want; i++) {
            addIf(out, entries.get(at).address, requester, addressBytes);
            at = (int) ((at + (long) stride) % n);
        }
        return out;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    private static void addIf(List<InetSocketAddress> out, InetSocketAddress a, InetSocketAddress requester,
                              int addressBytes) {
        if (!a.equals(requester) && a.getAddress().getAddress().length == addressBytes) {
            out.add(a);
        }
    }
}
