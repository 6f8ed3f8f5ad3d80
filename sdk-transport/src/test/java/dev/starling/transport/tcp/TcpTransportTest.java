package dev.starling.transport.tcp;

import static dev.starling.transport.tcp.TcpTransportContractTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.spi.Connection;
import dev.starling.api.spi.Payload;
import dev.starling.testing.RecordingLeakDetector;
import dev.starling.transport.TransportContractTest.Recorder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What {@code tcp} does beyond the shared contract: limits, timeouts, bad input, IPv6, releasing everything. */
class TcpTransportTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @AfterAll
    static void noBufferLeaked() {
        assertThat(RecordingLeakDetector.collectAndReport()).isEmpty();
    }

    private TcpTransport transport(TcpConfig config) {
        TcpTransport t = new TcpTransport(config);
        toClose.add(t);
        return t;
    }

    private Socket rawClient(InetSocketAddress to) throws IOException {
        Socket s = new Socket(to.getAddress(), to.getPort());
        toClose.add(s);
        return s;
    }

    private static java.util.Set<Thread> starlingThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("starling-tcp"))
                .collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void closeReleasesItsThreadAndItsPort() throws Exception {
        // Threads are compared as sets: another test's transport may still be ending its thread meanwhile.
        java.util.Set<Thread> before = starlingThreads();
        TcpTransport t = new TcpTransport();
        Recorder r = new Recorder();
        InetSocketAddress bound = t.listen(new InetSocketAddress(LOOPBACK, 0), r);
        Socket client = rawClient(bound);
        await("the link is up", () -> r.connected().size() == 1);
        java.util.Set<Thread> started = starlingThreads();
        started.removeAll(before);
        assertThat(started).as("one event loop thread of its own").hasSize(1);

        t.close();

        // close() returns once the loop has terminated; the thread itself then exits its run method. Joining
        // waits for that exit only: a loop close() left running would never end, and this would fail.
        for (Thread thread : started) {
            thread.join(5_000);
        }
        assertThat(started).as("the event loop thread has ended").noneMatch(Thread::isAlive);
        try (ServerSocket again = new ServerSocket(bound.getPort(), 1, LOOPBACK)) {
            assertThat(again.getLocalPort()).as("the port is free again").isEqualTo(bound.getPort());
        }
        assertThat(client.getInputStream().read()).as("the open link was closed").isEqualTo(-1);
    }

    @Test
    void worksOverIpv6() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        TcpTransport a = transport(TcpConfig.defaults());
        TcpTransport b = transport(TcpConfig.defaults());
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        InetSocketAddress bound = a.listen(new InetSocketAddress(v6, 0), ra);
        b.handler(rb);
        b.connect(bound);
        await("connected over IPv6", () -> ra.connected().size() == 1 && rb.connected().size() == 1);
        assertThat(ra.connected().get(0).remoteAddress().getAddress()).isInstanceOf(Inet6Address.class);
        Connection out = rb.connected().get(0);
        b.loop().execute(() -> out.send(new byte[] {9}, Payload.wrap(new byte[] {1, 2, 3})));
        await("frame over IPv6", () -> ra.frames().size() == 1);
        assertThat(ra.frames().get(0)[1]).containsExactly(1, 2, 3);
    }

    @Test
    void linksBeyondTheLimitAreRefusedBothWays() throws Exception {
        TcpTransport a = transport(TcpConfig.builder().maxConnections(1).build());
        Recorder ra = new Recorder();
        InetSocketAddress bound = a.listen(new InetSocketAddress(LOOPBACK, 0), ra);
        rawClient(bound);
        await("first link up", () -> ra.connected().size() == 1);
        Socket second = rawClient(bound);
        assertThat(second.getInputStream().read()).as("the second inbound link is closed at once").isEqualTo(-1);
        assertThat(ra.connected()).hasSize(1);

        a.connect(bound); // any address: the limit is checked before dialling
        await("outbound dial refused", () -> ra.connectFailed().size() == 1);
        assertThat(ra.connected()).hasSize(1);
    }

    @Test
    void aLinkThatSendsNothingIsClosedAtTheHandshakeTimeout() throws Exception {
        TcpTransport a = transport(TcpConfig.builder().handshakeTimeoutMs(200).build());
        Recorder ra = new Recorder();
        Socket silent = rawClient(a.listen(new InetSocketAddress(LOOPBACK, 0), ra));
        await("closed for its silence", () -> ra.disconnected().size() == 1);
        assertThat(ra.disconnected().get(0)).contains("handshake timeout of 200 ms");
        assertThat(silent.getInputStream().read()).isEqualTo(-1);
    }

    @Test
    void aLinkThatFallsSilentIsClosedAtTheIdleTimeout() throws Exception {
        TcpTransport a = transport(TcpConfig.builder().idleTimeoutMs(300).build());
        Recorder ra = new Recorder();
        Socket s = rawClient(a.listen(new InetSocketAddress(LOOPBACK, 0), ra));
        s.getOutputStream().write(new byte[] {0, 0, 0, 5, 0, 0, 0, 1, 42});
        await("one frame, then closed for idling", () -> ra.disconnected().size() == 1);
        assertThat(ra.frames()).hasSize(1);
        assertThat(ra.disconnected().get(0)).contains("nothing received for 300 ms");
    }

    @Test
    void aPeerDeclaringAHugeFrameIsDroppedWithTheReasonAndNothingIsBuffered() throws Exception {
        TcpTransport a = transport(TcpConfig.defaults());
        Recorder ra = new Recorder();
        Socket s = rawClient(a.listen(new InetSocketAddress(LOOPBACK, 0), ra));
        OutputStream out = s.getOutputStream();
        out.write(new byte[] {0, 0, 0, 5, 0, 0, 0, 1, 7}); // a good frame first
        out.write(new byte[] {(byte) 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0, 10});
        await("dropped", () -> ra.disconnected().size() == 1);
        assertThat(ra.frames()).hasSize(1);
        assertThat(ra.disconnected().get(0)).startsWith("bad frame:").contains("exceeds the maximum");
        assertThat(s.getInputStream().read()).isEqualTo(-1);
    }

    @Test
    void aPeerThatDoesNotReadTurnsTheLinkUnwritableAndIsClosedPastTheQueueCap() throws Exception {
        TcpTransport a = transport(TcpConfig.builder().writeWaterMarks(64 * 1024, 128 * 1024)
                .maxQueuedBytes(2L * 1024 * 1024).build());
        Recorder ra = new Recorder();
        Socket slow = rawClient(a.listen(new InetSocketAddress(LOOPBACK, 0), ra));
        slow.getOutputStream().write(new byte[] {0, 0, 0, 5, 0, 0, 0, 1, 7});
        await("up", () -> ra.frames().size() == 1);
        Connection c = ra.connected().get(0);
        byte[] piece = new byte[16 * 1024];
        // Keep sending from the loop until the transport gives up on the reader that never reads.
        Runnable[] pump = new Runnable[1];
        pump[0] = () -> {
            for (int i = 0; i < 16 && ra.disconnected().isEmpty(); i++) {
                c.send(new byte[] {1}, Payload.wrap(piece));
            }
            if (ra.disconnected().isEmpty()) {
                a.loop().execute(pump[0]);
            }
        };
        a.loop().execute(pump[0]);
        await("closed as too slow", () -> ra.disconnected().size() == 1);
        assertThat(ra.writability()).as("the link reported back-pressure first").contains(false);
        assertThat(ra.disconnected().get(0)).startsWith("peer too slow:");
        InputStream in = slow.getInputStream();
        assertThat(in.readNBytes(4)).hasSize(4); // what was sent before arrives; the stream then ends
    }

    @Test
    void listeningOnABusyPortFailsInListen() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, LOOPBACK)) {
            TcpTransport t = transport(TcpConfig.defaults());
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> t.listen(new InetSocketAddress(LOOPBACK, busy.getLocalPort()), new Recorder()))
                    .isInstanceOf(IOException.class).hasMessageContaining("cannot listen on");
        }
    }
}
