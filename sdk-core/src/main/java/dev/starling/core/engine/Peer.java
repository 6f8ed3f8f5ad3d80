package dev.starling.core.engine;

import com.google.protobuf.ByteString;
import java.net.InetSocketAddress;

/** What the engine knows of one connected peer. Plain fields: it lives on the engine's loop only. */
final class Peer {
    final long id;
    final InetSocketAddress address;
    final InetSocketAddress dialled; // as this node dialled it (a host name unresolved); null if it dialled in
    final long connectedNs;
    /** The output's handle for the link (see {@link EngineOutput#send(long, Object, byte[], dev.starling.api.spi.Payload, long)}), or null. */
    final Object link;
    /** No longer the engine's peer: a frame that still names this record is looked up by id instead. */
    boolean gone;

    boolean handshaken;
    /** Broadcaster: its own handshake to this inbound peer waits for the peer's, to decide whether to answer at all. */
    boolean handshakeHeld;
    /** Broadcaster: the cost of turning this peer away was already taken from its budget for strangers. */
    boolean refusalPaid;
    /** It sent something this node could not take, and was dropped for it (not a sign that it is busy). */
    boolean protocolError;
    boolean broadcaster;
    byte[] peerId;
    int listenPort;
    long declaredUploadBps;

    // What it holds, from its newest buffer map.
    long bmEpoch = -1;
    long bmBase;
    // A newer epoch it claims: when this node first asked it for that epoch's random access point, and until when
    // the claim is ignored after it went unanswered (a liar's claim would otherwise stop all repair).
    long newerEpochAskedNs;
    long newerEpochDoubtedUntilNs = Long.MIN_VALUE;
    byte[] bmBits = new byte[0];
    long bmLatestRap = -1;
    int[] depth;
    int[] subtree;  // per substream: how many nodes it feeds there, as it last said (capped)
    int freeSlots;
    int openSubstreams;
    int displaceableSubstreams;
    int primarySubstream = -1;

    // Push trees.
    int childMask;        // substreams in which it is our child
    int parentMask;       // substreams in which it is our parent
    int pendingMask;      // substreams in which we asked it to be our parent
    long[] pendingSinceNs;
    long[] rejectedUntilNs;
    long childSinceNs;
    int strayMask;        // broadcaster: reserve slots where its maps show a depth other than 1, each since straySinceNs[k]
    long[] straySinceNs;  // allocated for reserve holders only
    int handingOverMask;     // broadcaster: trees in which it made way as root and is still fed until handingOverUntilNs
    long handingOverUntilNs;
    long rootBarredUntilNs; // broadcaster: not made a tree root before this (a tree it rooted did not deliver)
    int freeRiderSubstreams; // from its buffer map: full there, but a child uploads nothing
    int feedingSubstreams;   // from its buffer map: it has children of its own there

    // The broadcaster's reserve. On the broadcaster: the peer came asking for a reserve slot, the substreams in
    // which it holds one, since when it has held one, and when it last held one. On a viewer, of the
    // broadcaster: the substreams in which it would take a last-resort child.
    boolean seeksReserve;
    int reserveMask;
    long reserveSinceNs;
    long reserveLeftNs = Long.MIN_VALUE; // when it last gave up its last reserve slot
    long lastReserveNs;
    int reserveOpen;

    // Pull repair and reciprocity: what we asked of it and have not had yet.
    private long[] reqSeq = new long[8];
    private long[] reqAtNs = new long[8];
    int outstanding;
    double receivedScore; // payload bytes it sent us, decayed: what it contributed
    long lastHeardNs;
    // Peer exchange it sent us: a token bucket of 2, one token per allowed interval.
    private double pexTokens = 2;
    private long pexTokensAtNs;

    /** Whether the peer dialled this node. */
    boolean inbound() {
        return dialled == null;
    }

    /** @param dialled the address this node dialled (a host name unresolved), null if the peer dialled in */
    Peer(long id, InetSocketAddress address, InetSocketAddress dialled, Object link, long nowNs, int substreams) {
        this.id = id;
        this.link = link;
        this.address = address;
        this.dialled = dialled;
        this.connectedNs = nowNs;
        this.lastHeardNs = nowNs;
        this.lastReserveNs = nowNs;
        this.pexTokensAtNs = nowNs;
        this.depth = new int[substreams];
        this.subtree = new int[substreams];
        java.util.Arrays.fill(depth, PeerEngine.DETACHED);
        this.pendingSinceNs = new long[substreams];
        this.rejectedUntilNs = new long[substreams];
    }

    /** The substreams in which it is our child in a tree proper (a broadcaster's reserve slots aside). */
    int treeChildMask() {
        return childMask & ~reserveMask;
    }

    /** Spends a peer-exchange token; @return false when it sends faster than one per {@code intervalNs}. */
    boolean takePexToken(long nowNs, long intervalNs) {
        if (intervalNs <= 0) {
            return true;
        }
        pexTokens = Math.min(2, pexTokens + (double) (nowNs - pexTokensAtNs) / intervalNs);
        pexTokensAtNs = nowNs;
        if (pexTokens < 1) {
            return false;
        }
        pexTokens -= 1;
        return true;
    }

    void addRequest(long seq, long nowNs) {
        if (outstanding == reqSeq.length) {
            reqSeq = java.util.Arrays.copyOf(reqSeq, outstanding * 2);
            reqAtNs = java.util.Arrays.copyOf(reqAtNs, outstanding * 2);
        }
        reqSeq[outstanding] = seq;
        reqAtNs[outstanding] = nowNs;
        outstanding++;
    }

    /** Forgets a request (answered); @return whether it was outstanding. */
    boolean removeRequest(long seq) {
        for (int i = 0; i < outstanding; i++) {
            if (reqSeq[i] == seq) {
                outstanding--;
                reqSeq[i] = reqSeq[outstanding];
                reqAtNs[i] = reqAtNs[outstanding];
                return true;
            }
        }
        return false;
    }

    /** Forgets requests older than the timeout: the answer was lost or refused. */
    void expireRequests(long nowNs, long timeoutNs) {
        for (int i = 0; i < outstanding; ) {
            if (nowNs - reqAtNs[i] >= timeoutNs) {
                outstanding--;
                reqSeq[i] = reqSeq[outstanding];
                reqAtNs[i] = reqAtNs[outstanding];
            } else {
                i++;
            }
        }
    }

    void clearRequests() {
        outstanding = 0;
    }

    boolean has(long epoch, long seq) {
        if (bmEpoch != epoch) {
            return false;
        }
        long i = seq - bmBase;
        if (i < 0 || i >= (long) bmBits.length * 8) {
            return false;
        }
        return (bmBits[(int) (i >>> 3)] & (1 << (i & 7))) != 0;
    }

    private long bmTop = -1;

    /** Takes a new buffer map. */
    void bufferMap(long epoch, long base, ByteString have) {
        bmEpoch = epoch;
        bmBase = base;
        if (bmBits.length == have.size()) {
            have.copyTo(bmBits, 0); // maps come every 400 ms from every neighbour, nearly always the same size
        } else {
            bmBits = have.toByteArray();
        }
        byte[] bits = bmBits;
        bmTop = -1;
        for (int i = bits.length - 1; i >= 0; i--) {
            if (bits[i] != 0) {
                bmTop = base + i * 8L + (31 - Integer.numberOfLeadingZeros(bits[i] & 0xFF));
                break;
            }
        }
    }

    /** @return the newest piece its buffer map shows, -1 for none */
    long bmTop() {
        return bmTop;
    }

    /** The address others can reach it at: its IP and the port it listens on. */
    InetSocketAddress listenAddress() {
        if (listenPort == 0) {
            return null;
        }
        return new InetSocketAddress(address.getAddress(), listenPort);
    }

    @Override
    public String toString() {
        return "peer " + id + " (" + address + ")";
    }
}
