package dev.starling.transport.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.ChannelLink;
import dev.starling.api.Starling;
import dev.starling.api.Viewer;
import dev.starling.api.spi.TransportLoop;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The tracker client against scripted trackers on loopback: what it ignores, counts, and tells the app. */
class TrackerDiscoveryTest {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    final ChannelKeys keys = ChannelKeys.generate();
    final LinkedBlockingQueue<List<InetSocketAddress>> found = new LinkedBlockingQueue<>();

    /** Runs the node's side inline: enough for a client that only hands peers over. */
    static final TransportLoop INLINE = new TransportLoop() {
        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public boolean inLoop() {
            return true;
        }

        @Override
        public long nowNs() {
            return System.nanoTime();
        }

        @Override
        public dev.starling.api.spi.Cancellable schedule(long delayNs, Runnable task) {
            throw new UnsupportedOperationException();
        }
    };

    @Test
    void udpRepliesFromAnotherAddressAreIgnoredAndCountedThenTheTrackersOwnAreUsed() throws Exception {
        try (DatagramSocket tracker = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
             DatagramSocket spoofer = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            tracker.setSoTimeout(10_000);
            TrackerDiscovery d = TrackerDiscovery.builder(URI.create("udp://127.0.0.1:" + tracker.getLocalPort()
                    + "/announce")).build();
            try {
                d.start(keys.channelId(), new InetSocketAddress(LOOPBACK, 40_000), INLINE, found::add);
                DatagramPacket connect = receive(tracker);
                int tx = ByteBuffer.wrap(connect.getData()).getInt(12);
                byte[] reply = ByteBuffer.allocate(16).putInt(0).putInt(tx).putLong(77).array();
                // The right transaction id from the wrong address: a spoofed reply.
                spoofer.send(new DatagramPacket(reply, reply.length, connect.getSocketAddress()));
                tracker.send(new DatagramPacket(reply, reply.length, connect.getSocketAddress()));
                DatagramPacket announce = receive(tracker);
                assertThat(announce.getLength()).isEqualTo(98);
                ByteBuffer a = ByteBuffer.wrap(announce.getData());
                assertThat(a.getLong(0)).isEqualTo(77);
                byte[] hash = new byte[20];
                a.get(16, hash);
                assertThat(hash).isEqualTo(keys.channelId().infoHash());
                byte[] peers = ByteBuffer.allocate(20 + 12).putInt(1).putInt(a.getInt(12)).putInt(1800).putInt(0)
                        .putInt(2).put(new byte[] {10, 0, 0, 7, 0x17, 0x70}).put(new byte[] {10, 0, 0, 8, 0, 22}).array();
                tracker.send(new DatagramPacket(peers, peers.length, announce.getSocketAddress()));
                assertThat(found.poll(10, TimeUnit.SECONDS)).containsExactly(new InetSocketAddress("10.0.0.7", 6000));
                TrackerStats stats = d.stats();
                assertThat(stats.repliesFromWrongAddress()).isEqualTo(1);
                assertThat(stats.repliesAccepted()).isEqualTo(1);
                assertThat(stats.peersIgnored()).as("port 22").isEqualTo(1);
            } finally {
                d.close();
            }
            DatagramPacket stopped = receive(tracker);
            assertThat(ByteBuffer.wrap(stopped.getData()).getInt(80)).as("stopped on close").isEqualTo(3);
        }
    }

    @Test
    void aViewerAnnouncesToTheTrackersItsLinkNames() throws Exception {
        try (DatagramSocket tracker = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            tracker.setSoTimeout(10_000);
            ChannelLink link = ChannelLink.of(keys.channelId(), List.of(),
                    List.of(URI.create("udp://127.0.0.1:" + tracker.getLocalPort() + "/announce")));
            try (Viewer viewer = Starling.viewer(link).listen(new InetSocketAddress(LOOPBACK, 0)).start()) {
                DatagramPacket connect = receive(tracker);
                assertThat(connect.getLength()).isEqualTo(16);
                assertThat(ByteBuffer.wrap(connect.getData()).getLong(0)).as("BEP 15 protocol id")
                        .isEqualTo(0x41727101980L);
            }
        }
    }

    @Test
    void anHttpFailureReasonReachesTheAppAsAClearError() throws Exception {
        LinkedBlockingQueue<String> errors = new LinkedBlockingQueue<>();
        try (ServerSocket server = new ServerSocket(0, 5, LOOPBACK)) {
            server.setSoTimeout(10_000);
            TrackerDiscovery d = TrackerDiscovery.builder(URI.create("http://127.0.0.1:" + server.getLocalPort()
                    + "/announce")).onError(errors::add).build();
            try {
                d.start(keys.channelId(), new InetSocketAddress(LOOPBACK, 40_000), INLINE, found::add);
                try (Socket s = server.accept()) {
                    String request = readHead(s.getInputStream());
                    assertThat(request).startsWith("GET /announce?info_hash=").contains("&compact=1")
                            .contains("&event=started");
                    String reason = "Requested download not allowed";
                    String body = "d14:failure reason" + reason.length() + ":" + reason + "e";
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n"
                            + body).getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
                assertThat(errors.poll(10, TimeUnit.SECONDS)).contains("Requested download not allowed");
                assertThat(d.stats().repliesRejected()).isEqualTo(1);
                assertThat(found).isEmpty();
            } finally {
                d.close();
            }
        }
    }

    private static DatagramPacket receive(DatagramSocket socket) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        socket.receive(p);
        return p;
    }

    private static String readHead(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            head.append((char) c);
        }
        return head.toString();
    }
}
