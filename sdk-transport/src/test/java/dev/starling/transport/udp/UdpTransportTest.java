package dev.starling.transport.udp;

import static dev.starling.transport.tcp.TcpTransportContractTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.spi.Connection;
import dev.starling.api.spi.Payload;
import dev.starling.transport.TransportContractTest.Recorder;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The {@code udp} transport over real sockets: what strangers get, IPv6, dead peers, sharing the socket. */
class UdpTransportTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private final List<UdpTransport> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(UdpTransport::close);
    }

    private UdpTransport transport(UdpConfig config) {
        UdpTransport t = new UdpTransport(config);
        open.add(t);
        return t;
    }

    @Test
    void strangersFirstPacketsNeverGetMoreBytesBackThanTheySent() throws Exception {
        UdpTransport server = transport(UdpConfig.defaults());
        Recorder r = new Recorder();
        InetSocketAddress bound = server.listen(new InetSocketAddress(LOOPBACK, 0), r);
        SplittableRandom random = new SplittableRandom(11);
        List<byte[]> firstPackets = new ArrayList<>();
        firstPackets.add(hello(64, 7)); // a proper HELLO: answered with a smaller COOKIE
        firstPackets.add(hello(63, 8)); // too short to be answered
        firstPackets.add(hello(1_200, 9)); // padded: answered, still with 15 bytes
        firstPackets.add(connect(10, 0x1234_5678_9abc_def0L)); // a CONNECT with a guessed cookie
        firstPackets.add(data(0x0102_0304)); // DATA for a link that does not exist
        for (int i = 0; i < 40; i++) { // junk, and junk that starts like ours
            byte[] junk = new byte[1 + random.nextInt(1_400)];
            random.nextBytes(junk);
            if (i % 2 == 0) {
                junk[0] = UdpWire.MAGIC; // any type but HELLO, which is answered by design
                if (junk.length > 2) {
                    junk[2] = (byte) (2 + random.nextInt(100));
                }
                if (junk.length > 1) {
                    junk[1] = UdpWire.VERSION;
                }
            }
            firstPackets.add(junk);
        }
        long sent = 0;
        long received = 0;
        try (DatagramSocket stranger = new DatagramSocket(0, LOOPBACK)) {
            stranger.setSoTimeout(300);
            for (byte[] p : firstPackets) {
                stranger.send(new DatagramPacket(p, p.length, bound));
                sent += p.length;
            }
            byte[] buf = new byte[2_048];
            while (true) {
                DatagramPacket in = new DatagramPacket(buf, buf.length);
                try {
                    stranger.receive(in);
                } catch (SocketTimeoutException e) {
                    break; // nothing more is coming
                }
                received += in.getLength();
                assertThat(in.getLength()).as("each reply").isEqualTo(UdpWire.COOKIE_BYTES);
            }
        }
        assertThat(received).as("cookies for the two HELLOs long enough").isEqualTo(2L * UdpWire.COOKIE_BYTES);
        assertThat(received).as("bytes back to an unverified address").isLessThanOrEqualTo(sent);
        UdpStats s = server.stats();
        assertThat(s.unverifiedBytesSent()).isEqualTo(received).isLessThanOrEqualTo(s.unverifiedBytesReceived());
        assertThat(r.connected()).as("no link for a stranger").isEmpty();
    }

    @Test
    void aConnectWithACookieIssuedToAnotherAddressIsIgnored() throws Exception {
        UdpTransport server = transport(UdpConfig.defaults());
        Recorder r = new Recorder();
        InetSocketAddress bound = server.listen(new InetSocketAddress(LOOPBACK, 0), r);
        try (DatagramSocket honest = new DatagramSocket(0, LOOPBACK);
             DatagramSocket replayer = new DatagramSocket(0, LOOPBACK)) {
            honest.setSoTimeout(2_000);
            replayer.setSoTimeout(300);
            long cookie = cookieFor(honest, bound, 42);
            byte[] c = connect(42, cookie);
            replayer.send(new DatagramPacket(c, c.length, bound)); // from another port: proves nothing
            assertThat(receiveOrNull(replayer)).as("answer to a replayed cookie").isNull();
            assertThat(r.connected()).isEmpty();
            honest.send(new DatagramPacket(c, c.length, bound)); // from the address it was issued to: a link
            byte[] accept = receiveOrNull(honest);
            assertThat(accept).isNotNull().hasSize(UdpWire.ACCEPT_BYTES);
            assertThat(accept[2]).isEqualTo(UdpWire.ACCEPT);
            await("the link is up", () -> r.connected().size() == 1);
        }
    }

    @Test
    void aPeerThatFallsSilentIsDeclaredDead() throws Exception {
        UdpTransport server = transport(UdpConfig.builder().keepaliveMs(100).idleTimeoutMs(500).build());
        Recorder r = new Recorder();
        InetSocketAddress bound = server.listen(new InetSocketAddress(LOOPBACK, 0), r);
        try (DatagramSocket peer = new DatagramSocket(0, LOOPBACK)) {
            peer.setSoTimeout(2_000);
            byte[] c = connect(5, cookieFor(peer, bound, 5));
            peer.send(new DatagramPacket(c, c.length, bound));
            await("the link is up", () -> r.connected().size() == 1);
            // The peer answers nothing from now on (the server's keep-alives go unacknowledged).
            await("declared dead", () -> r.disconnected().size() == 1);
            assertThat(r.disconnected().get(0)).isEqualTo("nothing received for 500 ms");
            byte[] seen = receiveOrNull(peer);
            assertThat(seen).as("the server sent keep-alives meanwhile").isNotNull();
        }
    }

    @Test
    void worksOverIpv6() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        UdpTransport a = transport(UdpConfig.defaults());
        UdpTransport b = transport(UdpConfig.defaults());
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        InetSocketAddress bound = a.listen(new InetSocketAddress(v6, 0), ra);
        b.handler(rb);
        b.connect(bound);
        await("connected over IPv6", () -> ra.connected().size() == 1 && rb.connected().size() == 1);
        assertThat(ra.connected().get(0).remoteAddress().getAddress()).isInstanceOf(Inet6Address.class);
        Connection out = rb.connected().get(0);
        byte[] payload = new byte[50_000];
        new SplittableRandom(3).nextBytes(payload);
        b.loop().execute(() -> out.send(new byte[] {9}, Payload.wrap(payload)));
        await("frame over IPv6", () -> ra.frames().size() == 1);
        assertThat(ra.frames().get(0)[1]).isEqualTo(payload);
    }

    @Test
    void otherDatagramsOnTheSocketGoToTheServiceSharingIt() throws Exception {
        UdpTransport t = transport(UdpConfig.defaults());
        InetSocketAddress bound = t.listen(new InetSocketAddress(LOOPBACK, 0), new Recorder());
        t.serveOtherDatagrams((data, from, nowNs) -> new byte[] {(byte) data.length}); // echoes the length
        try (DatagramSocket client = new DatagramSocket(0, LOOPBACK)) {
            client.setSoTimeout(2_000);
            byte[] request = new byte[16]; // a BEP 15 connect starts 0x00 0x00 0x04 0x17: not ours
            request[2] = 0x04;
            request[3] = 0x17;
            client.send(new DatagramPacket(request, request.length, bound));
            assertThat(receiveOrNull(client)).containsExactly(16);
        }
    }

    @Test
    void aClosedLinkAnswersItsPeerWithCloseAgainAndALateConnectMakesNoGhostLink() throws Exception {
        UdpTransport server = transport(UdpConfig.defaults());
        Recorder r = new Recorder();
        InetSocketAddress bound = server.listen(new InetSocketAddress(LOOPBACK, 0), r);
        try (DatagramSocket peer = new DatagramSocket(0, LOOPBACK)) {
            peer.setSoTimeout(2_000);
            byte[] c = connect(77, cookieFor(peer, bound, 77));
            peer.send(new DatagramPacket(c, c.length, bound));
            byte[] accept = receiveOrNull(peer);
            assertThat(accept).isNotNull().hasSize(UdpWire.ACCEPT_BYTES);
            int serverId = ByteBuffer.wrap(accept).getInt(7);
            await("the link is up", () -> r.connected().size() == 1);
            Connection link = r.connected().get(0);
            server.loop().execute(() -> link.close("done with you"));
            await("closed", () -> r.disconnected().size() == 1);
            byte[] close = receiveUntilType(peer, UdpWire.CLOSE);
            assertThat(close).as("the CLOSE").isNotNull();

            // The peer missed it and keeps sending: each of its datagrams is answered with a bare CLOSE.
            byte[] d = data(serverId);
            peer.send(new DatagramPacket(d, d.length, bound));
            byte[] again = receiveUntilType(peer, UdpWire.CLOSE);
            assertThat(again).hasSize(7);
            assertThat(ByteBuffer.wrap(again).getInt(3)).as("addressed to the peer's id").isEqualTo(77);

            // Its CONNECT arriving late (or replayed while the cookie is valid) opens nothing.
            peer.send(new DatagramPacket(c, c.length, bound));
            assertThat(receiveUntilType(peer, UdpWire.ACCEPT)).isNull();
            assertThat(r.connected()).hasSize(1);
        }
    }

    @Test
    void aLinkDroppedForItsBacklogIsReportedAfterTheSendNotInsideIt() throws Exception {
        UdpConfig tight = UdpConfig.builder().writeWaterMarks(1_000, 2_000).maxQueuedBytes(2_000).build();
        UdpTransport a = transport(tight);
        UdpTransport b = transport(tight);
        java.util.concurrent.atomic.AtomicBoolean inSend = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean reportedInsideSend = new java.util.concurrent.atomic.AtomicBoolean();
        Recorder ra = new Recorder();
        Recorder rb = new Recorder() {
            @Override
            public void onDisconnected(Connection connection, String reason) {
                reportedInsideSend.compareAndSet(false, inSend.get());
                super.onDisconnected(connection, reason);
            }
        };
        InetSocketAddress bound = a.listen(new InetSocketAddress(LOOPBACK, 0), ra);
        b.handler(rb);
        b.connect(bound);
        await("connected", () -> rb.connected().size() == 1);
        Connection out = rb.connected().get(0);
        b.loop().execute(() -> {
            inSend.set(true);
            out.send(new byte[] {1}, Payload.wrap(new byte[10_000])); // over the 2,000-byte cap
            inSend.set(false);
        });
        await("dropped as too slow", () -> rb.disconnected().size() == 1);
        assertThat(rb.disconnected().get(0)).startsWith("peer too slow");
        assertThat(reportedInsideSend).as("onDisconnected ran inside send").isFalse();
    }

    // ------------------------------------------------------------------ a hand-made client

    /** @return the next datagram of {@code type} (others skipped), or null if none comes within the timeout */
    private static byte[] receiveUntilType(DatagramSocket s, byte type) throws Exception {
        s.setSoTimeout(500);
        while (true) {
            byte[] d = receiveOrNull(s);
            if (d == null || d.length >= 3 && d[2] == type) {
                return d;
            }
        }
    }

    private static long cookieFor(DatagramSocket s, InetSocketAddress server, int clientId) throws Exception {
        byte[] h = hello(64, clientId);
        s.send(new DatagramPacket(h, h.length, server));
        byte[] reply = receiveOrNull(s);
        assertThat(reply).as("a cookie").isNotNull().hasSize(UdpWire.COOKIE_BYTES);
        return ByteBuffer.wrap(reply).getLong(7);
    }

    private static byte[] receiveOrNull(DatagramSocket s) throws Exception {
        byte[] buf = new byte[2_048];
        DatagramPacket in = new DatagramPacket(buf, buf.length);
        try {
            s.receive(in);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return java.util.Arrays.copyOf(buf, in.getLength());
    }

    private static byte[] hello(int length, int clientId) {
        return ByteBuffer.allocate(length).put(UdpWire.MAGIC).put(UdpWire.VERSION).put(UdpWire.HELLO).putInt(clientId)
                .array();
    }

    private static byte[] connect(int clientId, long cookie) {
        return ByteBuffer.allocate(UdpWire.CONNECT_BYTES).put(UdpWire.MAGIC).put(UdpWire.VERSION).put(UdpWire.CONNECT)
                .putInt(clientId).putLong(cookie).array();
    }

    private static byte[] data(int destId) {
        return ByteBuffer.allocate(UdpWire.DATA_HEADER_BYTES).put(UdpWire.MAGIC).put(UdpWire.VERSION).put(UdpWire.DATA)
                .putInt(destId).array();
    }
}
