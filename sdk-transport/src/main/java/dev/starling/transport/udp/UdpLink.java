package dev.starling.transport.udp;

import dev.starling.api.spi.FrameLimits;
import dev.starling.api.spi.Payload;
import dev.starling.transport.netty.ByteBufPayload;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One established {@code udp} link, sans I/O: frames in order, reliably, except that a frame whose deadline has
 * passed is given up rather than retransmitted. Time comes in as {@code nowNs}; datagrams and frames go out through
 * {@link Output}. Confined to one thread.
 *
 * <p>Sending: a frame becomes one message, cut into fragments of at most {@link UdpWire#MAX_FRAGMENT} bytes, one per
 * DATA datagram. Every datagram gets a new packet number, retransmissions too (so a round-trip sample is never
 * ambiguous). A packet is declared lost when one sent {@value #PACKET_THRESHOLD} later is acknowledged, when it is
 * older than 9/8 of a round trip behind an acknowledged one, or when nothing has been acknowledged for a
 * retransmission timeout. Its fragment goes out again only while its message's deadline has not passed; else the
 * message is abandoned. {@link Ledbat} decides how many bytes may be unacknowledged.
 *
 * <p>Receiving: each DATA datagram says the oldest packet and the first message its sender still wants delivered,
 * so the receiver skips what the sender gave up on, and delivers complete messages in order. Acknowledgements
 * (cumulative point plus up to {@value UdpWire#MAX_ACK_RANGES} ranges) go out once per batch of datagrams read.
 *
 * <p>Bounds: at most {@value #WINDOW_PACKETS} packets in flight; messages at most
 * {@value #MAX_MESSAGES_AHEAD} ahead of the next to deliver; {@link UdpConfig#maxReassemblyBytes()} of partial
 * messages (beyond it a datagram is dropped unacknowledged, and comes again). A datagram that breaks the format
 * closes the link.
 */
final class UdpLink {
    /** Where a link's datagrams and frames go. */
    interface Output {
        /** Sends a datagram to the peer; takes over the buffer. */
        void datagram(ByteBuf datagram);

        /** A frame arrived, in order; the receiver owns one reference to the payload. */
        void frame(byte[] header, Payload payload);

        /** The link crossed a water mark. */
        void writabilityChanged(boolean writable);
    }

    static final int WINDOW_PACKETS = 4096;
    static final int PACKET_THRESHOLD = 3;
    static final int MAX_MESSAGES_AHEAD = 4096;
    static final long MIN_RTO_NS = 50_000_000L;
    static final long MAX_RTO_NS = 2_000_000_000L;
    static final long INITIAL_RTO_NS = 500_000_000L;
    static final long LINGER_NS = 2_000_000_000L;
    private static final int MASK = WINDOW_PACKETS - 1;
    private static final int MAX_MESSAGE_BYTES = 4 + FrameLimits.MAX_HEADER_BYTES + FrameLimits.MAX_PAYLOAD_BYTES;

    private enum State { OPEN, CLOSING, CLOSED }

    private final ByteBufAllocator alloc;
    private final int remoteId;
    private final Output out;
    private final UdpConfig config;
    private final UdpStats.Counters counters;
    private final Ledbat cc;
    private State state = State.OPEN;
    private String closedReason;
    private long closeDeadlineNs;

    // ---- sending
    private final ArrayDeque<OutMessage> messages = new ArrayDeque<>(); // not yet finished, by sequence
    private final ArrayDeque<OutMessage> unsent = new ArrayDeque<>(); // with fragments never sent
    private final ArrayDeque<Retransmit> retransmits = new ArrayDeque<>();
    private final OutMessage[] flightMessage = new OutMessage[WINDOW_PACKETS];
    private final int[] flightFragment = new int[WINDOW_PACKETS];
    private final long[] flightSentNs = new long[WINDOW_PACKETS];
    private final int[] flightBytes = new int[WINDOW_PACKETS];
    private final boolean[] flightLive = new boolean[WINDOW_PACKETS];
    private int nextPacket;
    private int oldestPacket; // no live packet below this
    private int largestAcked = -1;
    private long inFlightBytes;
    private int nextMessage;
    private long pendingBytes; // bytes of messages not yet finished
    private boolean writable = true;
    private boolean skipToAnnounce;
    private long lastSendNs;
    private long srttNs = -1;
    private long rttVarNs;
    private long latestRttNs;
    private int rtoBackoff = 1;
    private long lastProbeNs = Long.MIN_VALUE / 2;

    // ---- receiving
    private final SackReceiver received = new SackReceiver(WINDOW_PACKETS);
    private final Map<Integer, InMessage> partial = new HashMap<>();
    private int nextDeliver;
    private long reassemblyBytes;
    private int largestReceived = -1;
    private long largestReceivedDelayUs;
    private boolean ackPending;
    private long lastReceiveNs;

    UdpLink(ByteBufAllocator alloc, int remoteId, Output out, UdpConfig config, UdpStats.Counters counters,
            long nowNs) {
        this.alloc = alloc;
        this.remoteId = remoteId;
        this.out = out;
        this.config = config;
        this.counters = counters;
        this.cc = new Ledbat(config.targetDelayMs() * 1_000_000L);
        this.lastReceiveNs = nowNs;
        this.lastSendNs = nowNs;
    }

    // ================================================================== state

    /** @return whether the link is gone (closed by either side, or broken); {@link #closedReason()} says why */
    boolean isClosed() {
        return state == State.CLOSED;
    }

    /** @return whether the link is still open for sending (not closing or closed) */
    boolean isOpen() {
        return state == State.OPEN;
    }

    String closedReason() {
        return closedReason;
    }

    /** @return bytes of frames queued or in flight and not yet acknowledged */
    long pendingBytes() {
        return pendingBytes;
    }

    /**
     * @return bytes waiting to be sent (never sent, or declared lost and not yet sent again): what the engine reads
     *     as a link's backlog. Bytes in flight are not counted: they are on the wire, as a TCP socket's are.
     */
    long unsentBytes() {
        long bytes = 0;
        for (OutMessage m : unsent) {
            if (!m.finished) {
                bytes += m.length - (long) m.nextFragment * UdpWire.MAX_FRAGMENT;
            }
        }
        for (Retransmit r : retransmits) {
            if (!r.message.finished && !r.message.acked(r.fragment)) {
                bytes += r.message.fragmentBytes(r.fragment);
            }
        }
        return bytes;
    }

    boolean writable() {
        return writable;
    }

    long cwndBytes() {
        return cc.cwndBytes();
    }

    /** @return packet numbers from the oldest unsettled one to the next to send (at most {@link #WINDOW_PACKETS}) */
    int packetSpan() {
        return nextPacket - oldestPacket;
    }

    /** @return bytes held for frames not yet complete */
    long reassemblyBytes() {
        return reassemblyBytes;
    }

    /** Closes once everything queued is acknowledged (or after {@link #LINGER_NS}), then tells the peer. */
    void close(String reason, long nowNs) {
        if (state != State.OPEN) {
            return;
        }
        state = State.CLOSING;
        closedReason = reason;
        closeDeadlineNs = nowNs + LINGER_NS;
        finishClosingIfDone();
    }

    /** Closes now, dropping what is queued, and tells the peer. */
    void abort(String reason) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.OPEN) {
            closedReason = reason;
        }
        sendClose(closedReason);
        terminate();
    }

    private void finishClosingIfDone() {
        if (state == State.CLOSING && messages.isEmpty()) {
            sendClose(closedReason);
            terminate();
        }
    }

    private void terminate() {
        state = State.CLOSED;
        for (OutMessage m : messages) {
            m.release();
        }
        messages.clear();
        unsent.clear();
        retransmits.clear();
        java.util.Arrays.fill(flightMessage, null);
        for (InMessage m : partial.values()) {
            m.data.release();
        }
        partial.clear();
        pendingBytes = 0;
        counters.reassemblyBytes -= reassemblyBytes;
        reassemblyBytes = 0;
    }

    /** The peer broke the format: drop it. */
    private void fail(String reason) {
        if (state != State.CLOSED) {
            closedReason = "bad datagram: " + reason;
            sendClose(closedReason);
            terminate();
        }
    }

    // ================================================================== sending

    /**
     * Queues a frame. Takes over one reference to {@code payload}, copying it into the link's own buffer (it is
     * released at once, as it must be kept until acknowledged, which can outlast the caller's interest).
     */
    void send(byte[] header, Payload payload, long deadlineNs) {
        if (state != State.OPEN) {
            payload.release();
            return;
        }
        int length = 4 + header.length + payload.length();
        ByteBuf data = alloc.buffer(length, length);
        try {
            data.writeInt(header.length).writeBytes(header).writeBytes(payload.readOnlyBuffer());
        } finally {
            payload.release();
        }
        if (nextMessage == Integer.MAX_VALUE) {
            data.release();
            abort("link too old: reconnect");
            return;
        }
        OutMessage m = new OutMessage(nextMessage++, data, deadlineNs);
        messages.add(m);
        unsent.add(m);
        pendingBytes += length;
        updateWritability();
    }

    /** Sends what the congestion window allows: retransmissions first, then new fragments; and any due acknowledgement. */
    void flush(long nowNs) {
        if (state == State.CLOSED) {
            return;
        }
        boolean sentData = false;
        while (nextPacket - oldestPacket < WINDOW_PACKETS) {
            OutMessage m = null;
            int fragment = -1;
            boolean again = false;
            while (!retransmits.isEmpty()) {
                Retransmit r = retransmits.peek();
                if (r.message.finished || r.message.acked(r.fragment)) {
                    retransmits.poll();
                } else if (nowNs > r.message.deadlineNs) {
                    retransmits.poll();
                    abandon(r.message); // worthless now: never sent late
                } else {
                    m = r.message;
                    fragment = r.fragment;
                    again = true;
                    break;
                }
            }
            if (m == null) {
                while (!unsent.isEmpty()) {
                    OutMessage u = unsent.peek();
                    if (u.finished) {
                        unsent.poll();
                    } else if (nowNs > u.deadlineNs) {
                        unsent.poll();
                        abandon(u);
                    } else {
                        m = u;
                        fragment = u.nextFragment;
                        break;
                    }
                }
            }
            if (m == null) {
                break;
            }
            int fragmentBytes = m.fragmentBytes(fragment);
            int size = UdpWire.DATA_HEADER_BYTES + UdpWire.FRAGMENT_HEADER_BYTES + fragmentBytes;
            if (!cc.canSend(inFlightBytes, size)) {
                break;
            }
            if (again) {
                retransmits.poll();
            } else if (++m.nextFragment == m.fragments) {
                unsent.poll();
            }
            sendData(m, fragment, fragmentBytes, again, nowNs);
            sentData = true;
        }
        if (state == State.CLOSED) {
            return;
        }
        boolean keepaliveDue = nowNs - lastSendNs >= config.keepaliveMs() * 1_000_000L;
        if (!sentData && (skipToAnnounce || keepaliveDue) && nextPacket - oldestPacket < WINDOW_PACKETS) {
            sendData(null, 0, 0, false, nowNs); // no fragment: tells what was given up on, and proves we're alive
        }
        if (ackPending) {
            sendAck(nowNs);
        }
        finishClosingIfDone();
    }

    private void sendData(OutMessage m, int fragment, int fragmentBytes, boolean again, long nowNs) {
        if (nextPacket == Integer.MAX_VALUE) {
            abort("link too old: reconnect");
            return;
        }
        if (nextPacket - oldestPacket >= WINDOW_PACKETS) {
            throw new IllegalStateException("packet " + nextPacket + " outside the window from " + oldestPacket);
        }
        int packet = nextPacket++;
        int size = UdpWire.DATA_HEADER_BYTES + (m == null ? 0 : UdpWire.FRAGMENT_HEADER_BYTES + fragmentBytes);
        ByteBuf d = alloc.buffer(size, size);
        d.writeByte(UdpWire.MAGIC).writeByte(UdpWire.VERSION).writeByte(UdpWire.DATA)
                .writeInt(remoteId).writeInt(packet).writeInt((int) (nowNs / 1000)).writeInt(oldestPacket)
                .writeInt(firstWantedMessage());
        if (m != null) {
            d.writeInt(m.seq).writeShort(fragment).writeMedium(m.length);
            d.writeBytes(m.data, fragment * UdpWire.MAX_FRAGMENT, fragmentBytes);
        }
        int slot = packet & MASK;
        flightMessage[slot] = m;
        flightFragment[slot] = fragment;
        flightSentNs[slot] = nowNs;
        flightBytes[slot] = size;
        flightLive[slot] = true;
        inFlightBytes += size;
        lastSendNs = nowNs;
        skipToAnnounce = false;
        counters.dataPacketsSent++;
        if (again) {
            counters.retransmissions++;
            if (nowNs > m.deadlineNs) {
                counters.retransmissionsAfterDeadline++; // flush() never lets this happen; counted to prove it
            }
        }
        out.datagram(d);
    }

    private int firstWantedMessage() {
        return messages.isEmpty() ? nextMessage : messages.peekFirst().seq;
    }

    private void abandon(OutMessage m) {
        if (m.finished) {
            return;
        }
        counters.framesAbandoned++;
        skipToAnnounce = true;
        finish(m);
    }

    private void finish(OutMessage m) {
        m.release();
        pendingBytes -= m.length;
        while (!messages.isEmpty() && messages.peekFirst().finished) {
            messages.poll();
        }
        updateWritability();
    }

    private void updateWritability() {
        if (writable && pendingBytes > config.writeHighWaterBytes()) {
            writable = false;
            out.writabilityChanged(false);
        } else if (!writable && pendingBytes < config.writeLowWaterBytes()) {
            writable = true;
            out.writabilityChanged(true);
        }
    }

    /** An ACK datagram, positioned after the destination id. */
    void onAck(ByteBuf in, long nowNs) {
        if (state == State.CLOSED) {
            return;
        }
        lastReceiveNs = nowNs;
        if (in.readableBytes() < UdpWire.ACK_HEADER_BYTES - 7) {
            fail("short acknowledgement");
            return;
        }
        int largest = in.readInt();
        long delayUs = in.readUnsignedInt();
        int cumulative = in.readInt();
        int ranges = in.readUnsignedByte();
        if (ranges > UdpWire.MAX_ACK_RANGES || in.readableBytes() != ranges * 8) {
            fail("acknowledgement of the wrong length");
            return;
        }
        if (largest >= nextPacket || cumulative >= nextPacket || cumulative < -1 || largest < -1) {
            fail("acknowledges a packet never sent");
            return;
        }
        long before = inFlightBytes;
        long[] acked = {0, -1}; // bytes newly acknowledged; round trip of the largest, if newly acknowledged
        ackRange(oldestPacket, cumulative, largest, nowNs, acked);
        int below = Integer.MAX_VALUE;
        for (int i = 0; i < ranges; i++) {
            int first = in.readInt();
            int last = in.readInt();
            if (first > last || last >= below || last >= nextPacket) {
                fail("acknowledgement ranges out of order");
                return;
            }
            below = first;
            ackRange(Math.max(first, oldestPacket), last, largest, nowNs, acked);
        }
        largestAcked = Math.max(largestAcked, largest);
        if (acked[0] > 0) {
            if (acked[1] >= 0) {
                sampleRtt(acked[1]);
            }
            cc.onAck(acked[0], delayUs * 1000, acked[1], before, nowNs);
            rtoBackoff = 1;
        }
        detectLosses(nowNs);
        advanceOldest();
        finishClosingIfDone();
    }

    private void ackRange(int first, int last, int largest, long nowNs, long[] acked) {
        for (int p = Math.max(first, oldestPacket); p <= last; p++) {
            int slot = p & MASK;
            if (!flightLive[slot]) {
                continue;
            }
            flightLive[slot] = false;
            inFlightBytes -= flightBytes[slot];
            acked[0] += flightBytes[slot];
            if (p == largest) {
                acked[1] = nowNs - flightSentNs[slot];
            }
            OutMessage m = flightMessage[slot];
            flightMessage[slot] = null;
            if (m != null && !m.finished && m.ack(flightFragment[slot])) {
                finish(m);
            }
        }
    }

    private void sampleRtt(long rttNs) {
        latestRttNs = rttNs;
        if (srttNs < 0) {
            srttNs = rttNs;
            rttVarNs = rttNs / 2;
        } else {
            rttVarNs = (3 * rttVarNs + Math.abs(srttNs - rttNs)) / 4;
            srttNs = (7 * srttNs + rttNs) / 8;
        }
    }

    private long rtoNs() {
        long base = srttNs < 0 ? INITIAL_RTO_NS : Math.max(MIN_RTO_NS, srttNs + 4 * rttVarNs);
        return Math.min(MAX_RTO_NS, base * rtoBackoff);
    }

    private void detectLosses(long nowNs) {
        long lossDelayNs = Math.max(1_000_000L, 9 * Math.max(srttNs, latestRttNs) / 8);
        boolean lost = false;
        for (int p = oldestPacket; p < largestAcked; p++) {
            int slot = p & MASK;
            if (flightLive[slot] && (p <= largestAcked - PACKET_THRESHOLD || flightSentNs[slot] <= nowNs - lossDelayNs)) {
                declareLost(slot, nowNs);
                lost = true;
            }
        }
        if (lost) {
            cc.onLoss(nowNs);
        }
    }

    private void declareLost(int slot, long nowNs) {
        flightLive[slot] = false;
        inFlightBytes -= flightBytes[slot];
        counters.packetsLost++;
        OutMessage m = flightMessage[slot];
        flightMessage[slot] = null;
        if (m == null || m.finished || m.acked(flightFragment[slot])) {
            return;
        }
        if (nowNs > m.deadlineNs) {
            abandon(m);
        } else {
            retransmits.add(new Retransmit(m, flightFragment[slot]));
        }
    }

    /** Sends the oldest unacknowledged fragment again, or, if none is worth it, a keep-alive: either asks for an ack. */
    private void probe(long nowNs) {
        if (nextPacket - oldestPacket >= WINDOW_PACKETS) {
            // The window is full: the oldest record's slot is the one the probe would take. That packet has gone
            // unacknowledged for a whole timeout; call it lost, which frees the slot and queues its fragment.
            declareLost(oldestPacket & MASK, nowNs);
            advanceOldest();
        }
        for (int p = oldestPacket; p < nextPacket; p++) {
            int slot = p & MASK;
            OutMessage m = flightMessage[slot];
            if (!flightLive[slot] || m == null || m.finished || m.acked(flightFragment[slot])) {
                continue;
            }
            if (nowNs > m.deadlineNs) {
                abandon(m); // worthless now: never sent late
                continue;
            }
            int fragment = flightFragment[slot];
            sendData(m, fragment, m.fragmentBytes(fragment), true, nowNs);
            return;
        }
        if (nextPacket - oldestPacket < WINDOW_PACKETS) {
            sendData(null, 0, 0, false, nowNs);
        }
    }

    private void advanceOldest() {
        while (oldestPacket < nextPacket && !flightLive[oldestPacket & MASK]) {
            oldestPacket++;
        }
    }

    /**
     * Timers: dead-peer detection, the retransmission timeout, the close linger; then a flush.
     */
    void tick(long nowNs) {
        if (state == State.CLOSED) {
            return;
        }
        if (nowNs - lastReceiveNs > config.idleTimeoutMs() * 1_000_000L) {
            abort("nothing received for " + config.idleTimeoutMs() + " ms");
            return;
        }
        if (state == State.CLOSING && nowNs > closeDeadlineNs) {
            sendClose(closedReason);
            terminate();
            return;
        }
        advanceOldest();
        if (oldestPacket < nextPacket && nowNs - Math.max(flightSentNs[oldestPacket & MASK], lastProbeNs) > rtoNs()) {
            // Nothing acknowledged for a whole timeout. The peer's loop may just be busy (a pause is not a loss), so
            // declare nothing lost yet: send the oldest fragment again as a probe, whose acknowledgement lets the
            // time threshold find what was really lost. Back off until something is acknowledged (as QUIC's PTO).
            counters.probeTimeouts++;
            lastProbeNs = nowNs;
            rtoBackoff = Math.min(rtoBackoff * 2, 16);
            probe(nowNs);
        }
        flush(nowNs);
    }

    // ================================================================== receiving

    /** A DATA datagram, positioned after the destination id. */
    void onData(ByteBuf in, long nowNs) {
        if (state == State.CLOSED) {
            return;
        }
        if (in.readableBytes() < UdpWire.DATA_HEADER_BYTES - 7) {
            fail("short data");
            return;
        }
        int packet = in.readInt();
        long sentUs = in.readUnsignedInt();
        int oldest = in.readInt();
        int wanted = in.readInt();
        if (packet < 0 || oldest < 0 || oldest > packet || wanted < 0) {
            fail("packet numbers out of range");
            return;
        }
        lastReceiveNs = nowNs;
        received.forgetBelow(oldest);
        ackPending = true; // a duplicate is acknowledged again: its acknowledgement may have been lost
        if (!received.accepts(packet)) {
            return;
        }
        if (in.isReadable() && !storeFragment(in)) {
            return; // not stored (no room): left unacknowledged, so it comes again
        }
        if (state == State.CLOSED) {
            return;
        }
        received.onPacket(packet);
        if (packet > largestReceived) {
            largestReceived = packet;
            largestReceivedDelayUs = ((nowNs / 1000) - sentUs) & 0xFFFFFFFFL;
        }
        skipBelow(wanted);
        deliverInOrder();
    }

    /** @return whether the fragment was taken (stored, or already had) */
    private boolean storeFragment(ByteBuf in) {
        if (in.readableBytes() < UdpWire.FRAGMENT_HEADER_BYTES) {
            fail("short fragment");
            return false;
        }
        int seq = in.readInt();
        int index = in.readUnsignedShort();
        int length = in.readUnsignedMedium();
        int bytes = in.readableBytes();
        if (seq < 0 || length < 5 || length > MAX_MESSAGE_BYTES) {
            fail("message length " + length);
            return false;
        }
        int fragments = UdpWire.fragments(length);
        int expected = index == fragments - 1 ? length - index * UdpWire.MAX_FRAGMENT : UdpWire.MAX_FRAGMENT;
        if (index >= fragments || bytes != expected) {
            fail("fragment " + index + " of a " + length + "-byte message carries " + bytes + " bytes");
            return false;
        }
        if (seq - nextDeliver < 0) {
            return true; // delivered or skipped already
        }
        if (seq - nextDeliver >= MAX_MESSAGES_AHEAD) {
            counters.datagramsIgnored++;
            return false;
        }
        InMessage m = partial.get(seq);
        if (m == null) {
            // The next message to deliver always gets room: what blocks delivery must be able to arrive.
            if (seq != nextDeliver && (reassemblyBytes + length > config.maxReassemblyBytes()
                    || counters.reassemblyBytes + length > config.maxReassemblyBytesTotal())) {
                counters.datagramsIgnored++;
                return false;
            }
            m = new InMessage(alloc.buffer(length, length), length);
            m.data.writerIndex(length);
            partial.put(seq, m);
            reassemblyBytes += length;
            counters.reassemblyBytes += length;
        } else if (m.length != length) {
            fail("message " + seq + " changed its length");
            return false;
        }
        if (!m.got.get(index)) {
            m.got.set(index);
            m.count++;
            in.readBytes(m.data, index * UdpWire.MAX_FRAGMENT, bytes);
        }
        return true;
    }

    private void skipBelow(int wanted) {
        while (nextDeliver - wanted < 0) {
            if (partial.isEmpty()) {
                nextDeliver = wanted;
                return;
            }
            InMessage m = partial.remove(nextDeliver);
            nextDeliver++;
            if (m != null) {
                reassemblyBytes -= m.length;
                counters.reassemblyBytes -= m.length;
                if (m.complete() && state == State.OPEN) {
                    deliver(m);
                    if (state != State.OPEN) {
                        return;
                    }
                } else {
                    m.data.release(); // the sender gave it up
                }
            }
        }
    }

    private void deliverInOrder() {
        InMessage m;
        while (state == State.OPEN && (m = partial.get(nextDeliver)) != null && m.complete()) {
            partial.remove(nextDeliver);
            nextDeliver++;
            reassemblyBytes -= m.length;
            counters.reassemblyBytes -= m.length;
            deliver(m);
        }
    }

    private void deliver(InMessage m) {
        ByteBuf d = m.data;
        int headerBytes = d.getInt(0);
        if (headerBytes < 1 || headerBytes > FrameLimits.MAX_HEADER_BYTES || headerBytes > m.length - 4
                || m.length - 4 - headerBytes > FrameLimits.MAX_PAYLOAD_BYTES) {
            d.release();
            fail("frame header of " + headerBytes + " bytes in a " + m.length + "-byte message");
            return;
        }
        byte[] header = new byte[headerBytes];
        d.getBytes(4, header);
        int payloadBytes = m.length - 4 - headerBytes;
        Payload payload;
        if (payloadBytes == 0) {
            d.release();
            payload = Payload.empty();
        } else {
            payload = new ByteBufPayload(d.slice(4 + headerBytes, payloadBytes)); // takes over d's reference
        }
        out.frame(header, payload);
    }

    private void sendAck(long nowNs) {
        ackPending = false;
        List<SackReceiver.Range> ranges = received.ranges(UdpWire.MAX_ACK_RANGES);
        int size = UdpWire.ACK_HEADER_BYTES + 8 * ranges.size();
        ByteBuf a = alloc.buffer(size, size);
        a.writeByte(UdpWire.MAGIC).writeByte(UdpWire.VERSION).writeByte(UdpWire.ACK).writeInt(remoteId)
                .writeInt(largestReceived).writeInt((int) largestReceivedDelayUs).writeInt((int) received.cumulative())
                .writeByte(ranges.size());
        for (SackReceiver.Range r : ranges) {
            a.writeInt((int) r.first()).writeInt((int) r.last());
        }
        out.datagram(a);
    }

    /** The peer closed the link. */
    void onClose(ByteBuf in) {
        if (state == State.CLOSED) {
            return;
        }
        int n = Math.min(in.readableBytes(), UdpWire.MAX_REASON_BYTES);
        closedReason = "closed by peer" + (n > 0 ? ": " + in.toString(in.readerIndex(), n, StandardCharsets.UTF_8) : "");
        terminate();
    }

    private void sendClose(String reason) {
        byte[] r = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(r.length, UdpWire.MAX_REASON_BYTES);
        ByteBuf c = alloc.buffer(7 + n, 7 + n);
        c.writeByte(UdpWire.MAGIC).writeByte(UdpWire.VERSION).writeByte(UdpWire.CLOSE).writeInt(remoteId)
                .writeBytes(r, 0, n);
        out.datagram(c);
    }

    @Override
    public String toString() {
        return "UdpLink[" + state + (closedReason != null ? " (" + closedReason + ")" : "") + ", packets " + oldestPacket
                + ".." + nextPacket + ", acked to " + largestAcked + ", in flight " + inFlightBytes + " B, cwnd "
                + cc.cwndBytes() + " B, pending " + pendingBytes + " B in " + messages.size() + " frames ("
                + retransmits.size() + " to resend), received to " + received.cumulative() + ", delivering "
                + nextDeliver + " with " + partial.size() + " partial (" + reassemblyBytes + " B)]";
    }

    // ================================================================== state per message

    /** A frame being sent. */
    private static final class OutMessage {
        final int seq;
        final long deadlineNs;
        final int length;
        final int fragments;
        final BitSet ackedFragments = new BitSet();
        ByteBuf data;
        int nextFragment;
        int ackedCount;
        boolean finished;

        OutMessage(int seq, ByteBuf data, long deadlineNs) {
            this.seq = seq;
            this.data = data;
            this.deadlineNs = deadlineNs;
            this.length = data.readableBytes();
            this.fragments = UdpWire.fragments(length);
        }

        int fragmentBytes(int fragment) {
            return Math.min(UdpWire.MAX_FRAGMENT, length - fragment * UdpWire.MAX_FRAGMENT);
        }

        boolean acked(int fragment) {
            return ackedFragments.get(fragment);
        }

        /** @return whether the whole message is now acknowledged */
        boolean ack(int fragment) {
            if (!ackedFragments.get(fragment)) {
                ackedFragments.set(fragment);
                ackedCount++;
            }
            return ackedCount == fragments;
        }

        void release() {
            if (!finished) {
                finished = true;
                data.release();
                data = null;
            }
        }
    }

    private record Retransmit(OutMessage message, int fragment) {
    }

    /** A frame being reassembled. */
    private static final class InMessage {
        final ByteBuf data;
        final int length;
        final BitSet got = new BitSet();
        int count;

        InMessage(ByteBuf data, int length) {
            this.data = data;
            this.length = length;
        }

        boolean complete() {
            return count == UdpWire.fragments(length);
        }
    }
}
