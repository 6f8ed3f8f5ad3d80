package dev.starling.core.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The built-in tracker, driven by the real BEP 15 client session in virtual time. */
class TrackerServerTest {
    private static final byte[] HASH = filled(20, 7);
    private static final byte[] SECRET = filled(16, 9);
    private static final long S = 1_000_000_000L;

    private final TrackerServer server = new TrackerServer(HASH, SECRET, 120, 1_000, 4, 1);

    /** One client at {@code from}, announcing {@code port}, run against the server until it has an answer. */
    private static final class Client {
        final UdpTrackerSession session;
        final InetSocketAddress from;
        AnnounceReply reply;

        Client(InetSocketAddress from, int port, byte[] hash, long nowNs) {
            this.from = from;
            this.session = new UdpTrackerSession(hash, filled(20, port), port,
                    from.getAddress().getAddress().length, 15 * S, port, nowNs);
        }

        AnnounceReply announce(TrackerServer server, long nowNs) throws TrackerReplyException {
            reply = null;
            for (int i = 0; i < 3 && reply == null; i++) {
                byte[] request = session.poll(nowNs);
                if (request == null) {
                    return null;
                }
                byte[] answer = server.onDatagram(request, from, nowNs);
                if (answer == null) {
                    return null;
                }
                reply = session.onDatagram(answer, nowNs);
            }
            return reply;
        }
    }

    @Test
    void viewersAnnouncingLearnOfEachOtherButNotOfThemselves() throws Exception {
        Client a = new Client(addr("203.0.113.5", 40000), 7001, HASH, 0);
        Client b = new Client(addr("198.51.100.9", 40001), 7002, HASH, 0);
        assertEquals(List.of(), a.announce(server, 0).peers());
        // The stored address is the source IP with the announced port, not the source port.
        assertEquals(List.of(addr("203.0.113.5", 7001)), b.announce(server, S).peers());
        assertEquals(2, server.peers());
        assertEquals(2, server.stats().announces());
        assertEquals(120, b.reply.intervalS());
    }

    @Test
    void aConnectIsAnsweredWithNoMoreBytesThanItHadAndStoresNothing() {
        byte[] connect = ByteBuffer.allocate(16).putLong(UdpTrackerSession.PROTOCOL_ID).putInt(0).putInt(42).array();
        for (int i = 0; i < 1_000; i++) {
            byte[] reply = server.onDatagram(connect, addr("192.0.2." + (i % 250 + 1), 1024 + i), i);
            assertEquals(connect.length, reply.length);
        }
        assertEquals(0, server.peers());
        assertEquals(1_000, server.stats().connects());
    }

    @Test
    void anAnnounceWithAConnectionIdIssuedToAnotherAddressIsDroppedUnanswered() throws Exception {
        Client honest = new Client(addr("203.0.113.5", 40000), 7001, HASH, 0);
        byte[] connect = honest.session.poll(0);
        honest.session.onDatagram(server.onDatagram(connect, honest.from, 0), 0);
        byte[] announce = honest.session.poll(0);
        // A spoofer replays the honest client's announce (and id) from its own address: nothing comes back.
        assertNull(server.onDatagram(announce, addr("198.51.100.66", 40000), 0));
        // The same id from another port of the same host is another address too.
        assertNull(server.onDatagram(announce, addr("203.0.113.5", 40001), 0));
        assertEquals(0, server.peers());
        assertEquals(2, server.stats().ignored());
        assertNotNull(server.onDatagram(announce, honest.from, 0));
    }

    @Test
    void aConnectionIdLastsTwoToThreeMinutesThenIsRefused() throws Exception {
        InetSocketAddress from = addr("203.0.113.5", 40000);
        byte[] connect = ByteBuffer.allocate(16).putLong(UdpTrackerSession.PROTOCOL_ID).putInt(0).putInt(1).array();
        long id = ByteBuffer.wrap(server.onDatagram(connect, from, 59 * S)).getLong(8);
        assertNotNull(server.onDatagram(announce(id, HASH, 7001, 2, 0), from, 179 * S));
        assertNull(server.onDatagram(announce(id, HASH, 7001, 2, 0), from, 180 * S));
    }

    @Test
    void anotherChannelIsRefusedWithAnErrorTheClientReports() throws Exception {
        Client other = new Client(addr("203.0.113.5", 40000), 7001, filled(20, 1), 0);
        TrackerReplyException e = assertThrows(TrackerReplyException.class, () -> other.announce(server, 0));
        assertTrue(e.getMessage().contains("unknown info-hash"), e.getMessage());
        assertEquals(0, server.peers());
        assertEquals(1, server.stats().refused());
    }

    @Test
    void theIpFieldIsIgnoredAndLowPortsRefused() throws Exception {
        InetSocketAddress from = addr("203.0.113.5", 40000);
        long id = connect(from, 0);
        byte[] claimsThirdParty = announce(id, HASH, 7001, 2, 0);
        ByteBuffer.wrap(claimsThirdParty).putInt(84, 0x0A000001); // "I am 10.0.0.1"
        server.onDatagram(claimsThirdParty, from, 0);
        Client b = new Client(addr("198.51.100.9", 40001), 7002, HASH, 0);
        assertEquals(List.of(addr("203.0.113.5", 7001)), b.announce(server, 0).peers());

        byte[] lowPort = server.onDatagram(announce(id, HASH, 22, 2, 0), from, 0);
        assertEquals(UdpTrackerSession.ACTION_ERROR, ByteBuffer.wrap(lowPort).getInt());
        assertEquals(2, server.peers());
    }

    @Test
    void stoppedRemovesAPeerAndSilenceExpiresIt() throws Exception {
        InetSocketAddress from = addr("203.0.113.5", 40000);
        long id = connect(from, 0);
        server.onDatagram(announce(id, HASH, 7001, 2, 0), from, 0);
        server.onDatagram(announce(id, HASH, 7002, 2, 0), from, 0);
        assertEquals(2, server.peers());
        server.onDatagram(announce(id, HASH, 7001, 3, 0), from, S);
        assertEquals(1, server.peers());
        // Two intervals and a half (300 s) without an announce: forgotten on the next datagram.
        server.onDatagram(new byte[16], from, 299 * S);
        assertEquals(1, server.peers());
        server.onDatagram(new byte[16], from, 301 * S);
        assertEquals(0, server.peers());
    }

    @Test
    void oneSourceIpHoldsAtMostItsShareAndAFullTableDropsTheOldest() throws Exception {
        InetSocketAddress from = addr("203.0.113.5", 40000);
        long id = connect(from, 0);
        for (int port = 7000; port < 7010; port++) {
            server.onDatagram(announce(id, HASH, port, 2, 0), from, 0);
        }
        assertEquals(4, server.peers());
        assertEquals(6, server.stats().refused());

        TrackerServer small = new TrackerServer(HASH, SECRET, 120, 3, 4, 1);
        for (int host = 1; host <= 5; host++) {
            InetSocketAddress h = addr("192.0.2." + host, 40000);
            long hid = ByteBuffer.wrap(small.onDatagram(connectRequest(), h, 0)).getLong(8);
            small.onDatagram(announce(hid, HASH, 7000, 2, 0), h, host);
        }
        assertEquals(3, small.peers());
        InetSocketAddress probe = addr("198.51.100.1", 40000);
        long pid = ByteBuffer.wrap(small.onDatagram(connectRequest(), probe, 10)).getLong(8);
        byte[] reply = small.onDatagram(announce(pid, HASH, 7000, 0, -1), probe, 10);
        List<InetSocketAddress> peers = new java.util.ArrayList<>();
        CompactPeers.parse(reply, 20, reply.length - 20, 4, peers);
        // Hosts 1 to 3 were pushed out, oldest first; the probe itself took the third place.
        assertEquals(List.of(addr("192.0.2.4", 7000), addr("192.0.2.5", 7000)),
                peers.stream().sorted(java.util.Comparator.comparing(InetSocketAddress::toString)).toList());
    }

    @Test
    void aReplyListsAtMostFiftyPeersAndOnlyOfTheRequestersFamily() throws Exception {
        TrackerServer big = new TrackerServer(HASH, SECRET, 120, 1_000, 4, 1);
        for (int host = 1; host <= 80; host++) {
            InetSocketAddress h = addr("10.1." + host + ".1", 40000);
            big.onDatagram(announce(connect(big, h), HASH, 7000, 2, 0), h, 0);
        }
        InetSocketAddress v6 = addr("2001:db8::1", 40000);
        byte[] six = big.onDatagram(announce(connect(big, v6), HASH, 7000, 2, -1), v6, 0);
        assertEquals(20, six.length); // the 80 IPv4 peers are of no use to it
        InetSocketAddress v4 = addr("10.2.0.1", 40000);
        byte[] four = big.onDatagram(announce(connect(big, v4), HASH, 7000, 2, 500), v4, 0);
        assertEquals(20 + 6 * TrackerServer.MAX_PEERS_PER_REPLY, four.length);
        InetSocketAddress v6b = addr("2001:db8::2", 40000);
        byte[] sixB = big.onDatagram(announce(connect(big, v6b), HASH, 7000, 2, -1), v6b, 0);
        List<InetSocketAddress> peers = new java.util.ArrayList<>();
        CompactPeers.parse(sixB, 20, sixB.length - 20, 16, peers);
        assertEquals(List.of(addr("2001:db8::1", 7000)), peers);
    }

    /** Whatever arrives from a stranger, the reply is never larger than what came in, and nothing is stored. */
    @Property(tries = 2_000)
    void strangersGetNoAmplificationAndNoState(@ForAll @Size(max = 200) byte[] datagram, @ForAll boolean asConnect) {
        if (asConnect && datagram.length >= 16) {
            ByteBuffer.wrap(datagram).putLong(0, UdpTrackerSession.PROTOCOL_ID).putInt(8, 0);
        }
        byte[] reply = server.onDatagram(datagram, addr("192.0.2.1", 40000), 5 * S);
        assertTrue(reply == null || reply.length <= datagram.length,
                () -> "reply of " + reply.length + " bytes to " + datagram.length);
        assertEquals(0, server.peers());
    }

    // ------------------------------------------------------------------ helpers

    private long connect(InetSocketAddress from, long nowNs) {
        return ByteBuffer.wrap(server.onDatagram(connectRequest(), from, nowNs)).getLong(8);
    }

    private static long connect(TrackerServer s, InetSocketAddress from) {
        return ByteBuffer.wrap(s.onDatagram(connectRequest(), from, 0)).getLong(8);
    }

    private static byte[] connectRequest() {
        return ByteBuffer.allocate(16).putLong(UdpTrackerSession.PROTOCOL_ID).putInt(0).putInt(5).array();
    }

    private static byte[] announce(long connectionId, byte[] hash, int port, int event, int numWant) {
        return ByteBuffer.allocate(98).putLong(connectionId).putInt(1).putInt(77).put(hash).put(filled(20, 3))
                .putLong(0).putLong(0).putLong(0).putInt(event).putInt(0).putInt(0).putInt(numWant)
                .putShort((short) port).array();
    }

    private static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    private static InetSocketAddress addr(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
