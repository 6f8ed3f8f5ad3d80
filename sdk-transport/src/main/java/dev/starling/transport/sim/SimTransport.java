package dev.starling.transport.sim;

import dev.starling.api.spi.Cancellable;
import dev.starling.api.spi.Connection;
import dev.starling.api.spi.ConnectionHandler;
import dev.starling.api.spi.FrameLimits;
import dev.starling.api.spi.Payload;
import dev.starling.api.spi.Transport;
import dev.starling.api.spi.TransportLoop;
import dev.starling.core.node.Node;
import dev.starling.core.wire.proto.Control;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One simulated node's transport. Its upload is a single queue drained at {@code uploadBps}: a frame leaves
 * when the frames before it have, and arrives one link latency later. Connections behave like TCP without
 * retransmission: a lost frame is gone (the engine's timeouts and repair must cope). A close reaches the other
 * end after the frames sent on the link before it, as a FIN after the data (the TCP transport also flushes
 * before it closes); a frame that reaches an end its owner closed is answered as with a reset, so the other end
 * hears of the close one latency later if that comes first.
 */
public final class SimTransport implements Transport, TransportLoop {
    /** Bytes a frame costs on the wire beyond its header and payload (length prefix, IP and TCP headers). */
    static final int FRAME_OVERHEAD_BYTES = 8 + 40;

    private final SimNetwork net;
    private final int host;
    private final SplittableRandom random;
    private final InetSocketAddress address;
    private final long uploadBps;
    private final long accessLatencyNs;
    private final Map<Long, SimConnection> connections = new LinkedHashMap<>();
    private ConnectionHandler handler;
    private boolean listening;
    private boolean closed;
    private long uplinkFreeNs;
    private long bytesSent;
    private long clockOffsetNs;
    private SplittableRandom corrupter;
    private long connectionsDialled;

    SimTransport(SimNetwork net, int host, InetSocketAddress address, long uploadBps, long accessLatencyNs,
                 SplittableRandom random) {
        this.net = net;
        this.host = host;
        this.random = random;
        this.address = address;
        this.uploadBps = uploadBps;
        this.accessLatencyNs = accessLatencyNs;
    }

    /** @return this node's address */
    public InetSocketAddress address() {
        return address;
    }

    /** @return bytes this node has put on the wire, framing included */
    public long bytesSent() {
        return bytesSent;
    }

    /**
     * Makes this node a forger: every payload it sends is replaced by random bytes of the same length, and with
     * every control frame it also sends a forged piece: the newest piece header it received, moved 5 to 25
     * sequence numbers past the newest its neighbours announce (inside the live window, where no neighbour
     * holds the piece yet), with random bytes as payload.
     */
    public void corruptOutgoingPayloads(SplittableRandom random) {
        this.corrupter = random;
    }

    /** Makes this node withhold every piece: frames with a payload are dropped before they reach the wire. */
    public void withholdPayloads() {
        this.withholding = true;
    }

    private boolean withholding;

    private Control lastPieceSeen;

    private long newestAdvertised = -1;

    void noteIncoming(byte[] header, Payload payload) {
        if (corrupter == null) {
            return;
        }
        try {
            Control c = Control.parseFrom(header);
            if (c.hasPiece() && (lastPieceSeen == null || c.getPiece().getSeq() > lastPieceSeen.getPiece().getSeq())) {
                lastPieceSeen = c;
            } else if (c.hasBufferMap()) {
                // Aim past what the neighbours announce, so they have not got the forged sequence yet.
                var bm = c.getBufferMap();
                newestAdvertised = Math.max(newestAdvertised, bm.getBaseSeq() + bm.getHave().size() * 8L - 1);
            }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            // not ours to imitate
        }
    }

    private void forgeAlong(SimConnection c) {
        Control seen = lastPieceSeen;
        if (corrupter == null || seen == null || queuedBytes() > seen.getPiece().getLength()) {
            return; // an attacker that clogs its own uplink attacks no one
        }
        var h = seen.getPiece().toBuilder().setSeq(Math.max(seen.getPiece().getSeq(), newestAdvertised) + 5 + corrupter.nextInt(20)).build();
        byte[] junk = new byte[h.getLength()];
        corrupter.nextBytes(junk);
        c.sendRaw(Control.newBuilder().setPiece(h).build().toByteArray(), new SimPayload(junk), true);
    }

    /** Skews this node's clock: its {@link #nowNs()} reads this much ahead (or behind) of the network's. */
    public void clockOffsetNs(long offsetNs) {
        this.clockOffsetNs = offsetNs;
    }

    // ---------------------------------------------------------------- TransportLoop

    @Override
    public TransportLoop loop() {
        return this;
    }

    @Override
    public long nowNs() {
        return net.nowNs() + clockOffsetNs;
    }

    @Override
    public void execute(Runnable task) {
        net.at(host, net.nowNs(), task);
    }

    @Override
    public Cancellable schedule(long delayNs, Runnable task) {
        SimNetwork.Event e = net.at(host, net.nowNs() + delayNs, task);
        return () -> e.task = null;
    }

    @Override
    public boolean inLoop() {
        return true;
    }

    // ---------------------------------------------------------------- Transport

    @Override
    public InetSocketAddress listen(InetSocketAddress bindAddress, ConnectionHandler h) {
        this.handler = h;
        this.listening = true;
        net.listen(address, this);
        return address;
    }

    @Override
    public void handler(ConnectionHandler h) {
        this.handler = h;
    }

    @Override
    public void connect(InetSocketAddress remote) {
        SimTransport target = net.listener(remote);
        long oneWay = target == null ? accessLatencyNs * 2 : accessLatencyNs + target.accessLatencyNs;
        if (target == null || target == this || closed) {
            net.at(host, net.nowNs() + 2 * oneWay, () -> {
                if (!closed) {
                    handler.onConnectFailed(remote, "connection refused");
                }
            });
            return;
        }
        // Named by the dialer, so that no other node's counter is touched.
        long id = (long) host << 32 | ++connectionsDialled;
        // SYN reaches the target after one latency, as the target's event; the dialer learns of it after a round
        // trip, as its own. Each side touches only its own state: the other may be running on another lane.
        net.at(target.host, net.nowNs() + oneWay, () -> {
            if (target.closed || !target.listening) {
                net.at(host, net.nowNs() + oneWay, () -> {
                    if (!closed) {
                        handler.onConnectFailed(remote, "connection refused");
                    }
                });
                return;
            }
            SimConnection mine = new SimConnection(this, id, remote, false, oneWay);
            SimConnection theirs = new SimConnection(target, id, address, true, oneWay);
            mine.peer = theirs;
            theirs.peer = mine;
            target.connections.put(id, theirs);
            // The dialer learns of the link before any frame the acceptor sends on it can arrive; if the acceptor
            // closes it meanwhile, the dialer hears so after learning of it, as with a reset after an accept.
            net.at(host, net.nowNs() + oneWay, () -> {
                if (closed) {
                    mine.close("dialer gone"); // the acceptor hears of it one latency later
                    return;
                }
                connections.put(id, mine);
                handler.onConnected(mine);
            });
            target.handler.onConnected(theirs);
        });
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (listening) {
            net.unlisten(address, this);
        }
        for (SimConnection c : new ArrayList<>(connections.values())) {
            c.close("transport closed");
        }
    }

    /** Schedules a frame's departure on the uplink and returns its arrival time at the other end. */
    long transmit(int bytes, long oneWayNs) {
        long now = net.nowNs();
        long serialiseNs = uploadBps <= 0 ? 1_000_000L * bytes : bytes * 8_000_000_000L / uploadBps;
        long depart = Math.max(now, uplinkFreeNs) + serialiseNs;
        uplinkFreeNs = depart;
        bytesSent += bytes;
        return depart + oneWayNs;
    }

    /** @return links of this node that delivered it a forged piece and that it still keeps open */
    public int openLinksThatDeliveredForgeries() {
        int n = 0;
        for (SimConnection c : connections.values()) {
            if (c.receivedForgery && !c.closed) {
                n++;
            }
        }
        return n;
    }

    long queuedBytes() {
        long backlogNs = uplinkFreeNs - net.nowNs();
        return backlogNs <= 0 || uploadBps <= 0 ? 0 : backlogNs * uploadBps / 8_000_000_000L;
    }

    /** One end of a simulated link. */
    final class SimConnection implements Connection {
        private final SimTransport owner;
        private final long id;
        private final InetSocketAddress remote;
        private final boolean inbound;
        private final long oneWayNs;
        SimConnection peer;
        boolean closed;
        /** When the last frame this end sent on the link arrives (or would have: lost frames count too). */
        private long lastArrivalNs;
        /** Why this end's owner closed it (null: open, or closed by the other end). */
        private String closedHereFor;
        private boolean resetSent;
        boolean receivedForgery;
        private Object attachment;

        SimConnection(SimTransport owner, long id, InetSocketAddress remote, boolean inbound, long oneWayNs) {
            this.owner = owner;
            this.id = id;
            this.remote = remote;
            this.inbound = inbound;
            this.oneWayNs = oneWayNs;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return remote;
        }

        @Override
        public boolean inbound() {
            return inbound;
        }

        @Override
        public void send(byte[] header, Payload payload) {
            FrameLimits.requireWithinLimits(header, payload);
            sendRaw(header, payload, corrupter() != null && payload.length() > 0);
            if (payload.length() == 0) {
                owner.forgeAlong(this);
            }
        }

        private SplittableRandom corrupter() {
            return owner.corrupter;
        }

        void sendRaw(byte[] header, Payload payload, boolean forged) {
            if (closed || (owner.withholding && payload.length() > 0)) {
                payload.release();
                return;
            }
            if (owner.corrupter != null && payload.length() > 0) {
                byte[] junk = new byte[payload.length()];
                owner.corrupter.nextBytes(junk);
                payload.release();
                payload = new SimPayload(junk);
            }
            long arrival = owner.transmit(header.length + payload.length() + FRAME_OVERHEAD_BYTES, oneWayNs);
            lastArrivalNs = arrival;
            if (owner.net.lost(owner.random)) {
                payload.release();
                return;
            }
            SimConnection to = peer;
            Payload sent = payload;
            SharedHeader shared = owner.net.sharedHeader(header, payload);
            owner.net.at(to.owner.host, arrival, () -> {
                if (to.closed || to.owner.closed) {
                    sent.release();
                    to.reset();
                    return;
                }
                to.owner.noteIncoming(header, sent);
                Control decoded;
                if (to.owner.handler instanceof Node node && (decoded = shared.decoded()) != null) {
                    node.onFrame(to, decoded, sent);
                } else {
                    to.owner.handler.onFrame(to, header, sent);
                }
                if (forged) {
                    to.receivedForgery = true;
                }
            });
        }

        @Override
        public long queuedBytes() {
            return owner.queuedBytes();
        }

        @Override
        public boolean isWritable() {
            return owner.queuedBytes() < 512 * 1024;
        }

        @Override
        public void close(String reason) {
            if (closed) {
                return;
            }
            closeLocal(reason);
            closedHereFor = reason;
            // As TCP's FIN, the close follows what this end already put on the link: a node that says goodbye
            // and closes has its last words heard, even from behind a long upload queue.
            tellPeerClosedAt(Math.max(owner.net.nowNs() + oneWayNs, lastArrivalNs), reason);
        }

        private void tellPeerClosedAt(long atNs, String reason) {
            SimConnection other = peer;
            owner.net.at(other.owner.host, atNs, () -> other.closeLocal("closed by peer: " + reason));
        }

        /**
         * A frame reached this end after its owner closed it: as TCP answers with a reset, the other end hears of
         * the close one latency later, if the close itself (queued behind this end's frames) has not come first.
         */
        private void reset() {
            if (closedHereFor == null || resetSent) {
                return;
            }
            resetSent = true;
            tellPeerClosedAt(owner.net.nowNs() + oneWayNs, closedHereFor);
        }

        void closeLocal(String reason) {
            if (closed) {
                return;
            }
            closed = true;
            if (owner.connections.remove(id) != null && !owner.closed) { // a closed transport's handler hears no more
                owner.handler.onDisconnected(this, reason);
            }
        }

        @Override
        public Object attachment() {
            return attachment;
        }

        @Override
        public void attach(Object attachment) {
            this.attachment = attachment;
        }

        @Override
        public String toString() {
            return "sim connection " + id + " to " + remote;
        }
    }
}
