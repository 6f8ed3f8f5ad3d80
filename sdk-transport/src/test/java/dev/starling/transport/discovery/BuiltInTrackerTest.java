package dev.starling.transport.discovery;

import static dev.starling.transport.discovery.TrackerDiscoveryTest.INLINE;
import static dev.starling.transport.discovery.TrackerDiscoveryTest.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.Broadcaster;
import dev.starling.api.ChannelKeys;
import dev.starling.api.Starling;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The broadcaster's own tracker, over real UDP, with the real tracker client. */
class BuiltInTrackerTest {
    private final ChannelKeys keys = ChannelKeys.generate();

    @Test
    void aBroadcastersLinkNamesItsOwnTrackerOnItsPortAndViewersFindEachOtherThere() throws Exception {
        try (Broadcaster b = Starling.broadcaster(keys).listen(new InetSocketAddress(LOOPBACK, 0)).start()) {
            InetSocketAddress peer = b.link().peers().get(0);
            URI tracker = URI.create("udp://127.0.0.1:" + peer.getPort() + "/announce");
            assertThat(b.link().trackers()).containsExactly(tracker);

            LinkedBlockingQueue<List<InetSocketAddress>> foundBySecond = new LinkedBlockingQueue<>();
            try (TrackerDiscovery first = TrackerDiscovery.of(tracker);
                 TrackerDiscovery second = TrackerDiscovery.of(tracker)) {
                first.start(keys.channelId(), new InetSocketAddress(LOOPBACK, 41_001), INLINE, peers -> { });
                assertThat(first.announced().await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(first.stats().peersReceived()).as("the tracker never lists a peer to itself").isZero();
                second.start(keys.channelId(), new InetSocketAddress(LOOPBACK, 41_002), INLINE, foundBySecond::add);
                assertThat(foundBySecond.poll(10, TimeUnit.SECONDS))
                        .containsExactly(new InetSocketAddress(LOOPBACK, 41_001));
            }
        }
    }

    @Test
    void spoofedFirstPacketsGetNoMoreBytesThanTheySentAndAnotherChannelIsRefused() throws Exception {
        try (BuiltInTracker tracker = BuiltInTracker.start(keys.channelId(), new InetSocketAddress(LOOPBACK, 0));
             DatagramSocket stranger = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            stranger.setSoTimeout(10_000);
            InetSocketAddress to = tracker.localAddress();
            // An announce with a made-up connection id, as a spoofer would send for a victim: dropped unanswered.
            byte[] forged = announce(0x1234_5678L, keys.channelId().infoHash(), 7000);
            stranger.send(new DatagramPacket(forged, forged.length, to));
            // A connect: answered with exactly as many bytes as it had.
            byte[] connect = ByteBuffer.allocate(16).putLong(0x41727101980L).putInt(0).putInt(9).array();
            stranger.send(new DatagramPacket(connect, connect.length, to));
            DatagramPacket reply = receive(stranger);
            assertThat(reply.getLength()).isEqualTo(16);
            long id = ByteBuffer.wrap(reply.getData()).getLong(8);
            // With the id it was given, an announce for another channel gets an error, and nothing is stored.
            byte[] other = announce(id, new byte[20], 7000);
            stranger.send(new DatagramPacket(other, other.length, to));
            DatagramPacket error = receive(stranger);
            assertThat(ByteBuffer.wrap(error.getData()).getInt(0)).as("action: error").isEqualTo(3);
            BuiltInTrackerStats stats = tracker.stats();
            assertThat(stats.ignored()).isEqualTo(1);
            assertThat(stats.connects()).isEqualTo(1);
            assertThat(stats.refused()).isEqualTo(1);
            assertThat(stats.peers()).isZero();
        }
    }

    @Test
    void withoutTheBuiltInTrackerTheLinkNamesNone() {
        try (Broadcaster b = Starling.broadcaster(keys).listen(new InetSocketAddress(LOOPBACK, 0))
                .builtInTracker(false).start()) {
            assertThat(b.link().trackers()).isEmpty();
            assertThat(b.link().peers()).hasSize(1);
        }
    }

    private static byte[] announce(long connectionId, byte[] infoHash, int port) {
        return ByteBuffer.allocate(98).putLong(connectionId).putInt(1).putInt(5).put(infoHash).put(new byte[20])
                .putLong(0).putLong(0).putLong(0).putInt(2).putInt(0).putInt(0).putInt(-1).putShort((short) port)
                .array();
    }

    private static DatagramPacket receive(DatagramSocket s) throws java.io.IOException {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        s.receive(p);
        return p;
    }
}
