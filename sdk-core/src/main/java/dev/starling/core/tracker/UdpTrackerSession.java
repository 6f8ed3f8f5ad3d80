package dev.starling.core.tracker;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One node's announces to one UDP tracker (BEP 15), sans I/O: the driver sends what {@link #poll} returns, hands
 * every datagram from the tracker's address to {@link #onDatagram}, and wakes at {@link #nextWakeNs}.
 *
 * <ul>
 *   <li>connect, then announce: {@code started} first, then regular announces at the tracker's interval, and
 *   {@code stopped} from {@link #stop};</li>
 *   <li>a connection id is used for at most 60 s, then a new connect is made;</li>
 *   <li>every request carries a fresh random transaction id; a reply with another id, or the wrong action, is
 *   refused;</li>
 *   <li>an unanswered request is sent again after {@code base * 2^n} (n = 0..8; BEP 15 says base = 15 s), so a
 *   tracker that went away is asked less and less often, and used again as soon as it answers.</li>
 * </ul>
 */
public final class UdpTrackerSession {
    static final long PROTOCOL_ID = 0x41727101980L;
    static final int ACTION_CONNECT = 0;
    static final int ACTION_ANNOUNCE = 1;
    static final int ACTION_ERROR = 3;
    static final long CONNECTION_ID_LIFETIME_NS = 60_000_000_000L;
    /** Peers asked for per announce. */
    public static final int NUM_WANT = 50;

    private final byte[] infoHash;
    private final byte[] peerId;
    private final int port;
    private final int addressBytes;
    private final SplittableRandom random;
    private final int key;

    private long connectionId;
    private long connectedAtNs;
    private boolean connected;
    private int pendingAction = -1;
    private int pendingTx;
    private long pendingSentNs;
    private final RetryBackoff backoff;
    private boolean startedSent;
    private long nextAnnounceNs;
    private boolean stopped;

    /**
     * @param infoHash     the channel's info-hash (20 bytes)
     * @param peerId       this node's 20-byte BitTorrent peer id
     * @param port         the port this node accepts peers on
     * @param addressBytes 4 if the tracker is reached over IPv4 (6-byte peers), 16 over IPv6 (18-byte peers)
     * @param retryBaseNs  the first retry delay (BEP 15: 15 s)
     * @param seed         seeds transaction ids and the announce key
     * @param nowNs        the current time: the first announce is due now
     */
    public UdpTrackerSession(byte[] infoHash, byte[] peerId, int port, int addressBytes, long retryBaseNs, long seed,
                             long nowNs) {
        if (infoHash.length != 20 || peerId.length != 20) {
            throw new IllegalArgumentException("info-hash and peer id are 20 bytes each");
        }
        if (addressBytes != 4 && addressBytes != 16) {
            throw new IllegalArgumentException("addressBytes must be 4 or 16");
        }
        this.infoHash = infoHash.clone();
        this.peerId = peerId.clone();
        this.port = port;
        this.addressBytes = addressBytes;
        this.backoff = new RetryBackoff(retryBaseNs);
        this.random = new SplittableRandom(seed);
        this.key = random.nextInt();
        this.nextAnnounceNs = nowNs;
    }

    /** @return the datagram to send now, or null if nothing is due */
    public byte[] poll(long nowNs) {
        if (stopped) {
            return null;
        }
        if (pendingAction >= 0) {
            if (nowNs - pendingSentNs < backoff.delayNs()) {
                return null;
            }
            backoff.failed(); // unanswered: ask again, later each time
            pendingAction = -1;
        } else if (nowNs < nextAnnounceNs) {
            return null;
        }
        pendingTx = random.nextInt();
        pendingSentNs = nowNs;
        if (!connected || nowNs - connectedAtNs >= CONNECTION_ID_LIFETIME_NS) {
            connected = false;
            pendingAction = ACTION_CONNECT;
            return ByteBuffer.allocate(16).putLong(PROTOCOL_ID).putInt(ACTION_CONNECT).putInt(pendingTx).array();
        }
        pendingAction = ACTION_ANNOUNCE;
        return announce(startedSent ? 0 : 2);
    }

    /** @return when {@link #poll} next has something to send (or a retry to make) */
    public long nextWakeNs() {
        if (stopped) {
            return Long.MAX_VALUE;
        }
        return pendingAction >= 0 ? pendingSentNs + backoff.delayNs() : nextAnnounceNs;
    }

    /**
     * A datagram from the tracker's address.
     *
     * @return the announce reply, or null if it was the connect reply (poll again: the announce is due)
     * @throws TrackerReplyException if it answers no request of ours, is malformed, or is the tracker's error
     */
    public AnnounceReply onDatagram(byte[] d, long nowNs) throws TrackerReplyException {
        if (d.length < 8) {
            throw TrackerReplyException.malformed("datagram of " + d.length + " bytes is shorter than a reply header");
        }
        ByteBuffer in = ByteBuffer.wrap(d);
        int action = in.getInt();
        int tx = in.getInt();
        if (pendingAction < 0 || tx != pendingTx) {
            throw TrackerReplyException.malformed("transaction id " + tx + " answers no request of ours");
        }
        if (action == ACTION_ERROR) {
            pendingAction = -1;
            nextAnnounceNs = nowNs + backoff.delayNs();
            backoff.failed();
            byte[] msg = new byte[Math.min(in.remaining(), 200)];
            in.get(msg);
            throw TrackerReplyException.refused(new String(msg, StandardCharsets.UTF_8));
        }
        if (action != pendingAction) {
            throw TrackerReplyException.malformed("action " + action + " answers a request of action " + pendingAction);
        }
        if (action == ACTION_CONNECT) {
            if (d.length != 16) {
                throw TrackerReplyException.malformed("connect reply of " + d.length + " bytes, not 16");
            }
            connectionId = in.getLong();
            connectedAtNs = nowNs;
            connected = true;
            pendingAction = -1;
            backoff.succeeded();
            nextAnnounceNs = Math.min(nextAnnounceNs, nowNs);
            return null;
        }
        if (d.length < 20) {
            throw TrackerReplyException.malformed("announce reply of " + d.length + " bytes is shorter than 20");
        }
        int intervalS = in.getInt();
        in.getInt(); // leechers
        in.getInt(); // seeders
        List<InetSocketAddress> peers = new ArrayList<>();
        int ignored = CompactPeers.parse(d, 20, d.length - 20, addressBytes, peers);
        pendingAction = -1;
        backoff.succeeded();
        startedSent = true;
        int interval = AnnounceReply.clampInterval(intervalS & 0xFFFFFFFFL);
        nextAnnounceNs = nowNs + interval * 1_000_000_000L;
        return new AnnounceReply(interval, peers, ignored);
    }

    /**
     * Stops announcing.
     *
     * @return the {@code stopped} announce to send, or null if the tracker never heard of us or the connection id
     * has expired (a stopped event is a courtesy; the tracker forgets silent peers anyway)
     */
    public byte[] stop(long nowNs) {
        if (stopped) {
            return null;
        }
        stopped = true;
        if (!startedSent || !connected || nowNs - connectedAtNs >= CONNECTION_ID_LIFETIME_NS) {
            return null;
        }
        pendingTx = random.nextInt();
        return announce(3);
    }

    /** @return whether the tracker has acknowledged this node's {@code started} announce */
    public boolean announced() {
        return startedSent;
    }

    private byte[] announce(int event) {
        return ByteBuffer.allocate(98).putLong(connectionId).putInt(ACTION_ANNOUNCE).putInt(pendingTx)
                .put(infoHash).put(peerId)
                .putLong(0).putLong(0).putLong(0) // downloaded, left, uploaded: a live stream has no total
                .putInt(event).putInt(0).putInt(key).putInt(NUM_WANT).putShort((short) port)
                .array();
    }
}
