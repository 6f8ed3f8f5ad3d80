package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.Broadcaster;
import dev.starling.api.ChannelKeys;
import dev.starling.api.ChannelLink;
import dev.starling.api.Starling;
import dev.starling.api.Viewer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A link may name its broadcaster by host name ({@code peer=localhost:PORT}): the viewer dials the name, the
 * transport resolves it, and the stream plays, over each transport.
 */
class HostNameLinkIT {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "udp"})
    void aViewerGivenALinkThatNamesTheBroadcasterByHostPlays(String transport) throws Exception {
        ChannelKeys keys = ChannelKeys.generate();
        ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
        try (Broadcaster broadcaster = Starling.broadcaster(keys).builtInTracker(false)
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).transport(transport).start()) {
            int port = broadcaster.link().peers().get(0).getPort();
            ChannelLink byName = ChannelLink.of(keys.channelId())
                    .withPeer(InetSocketAddress.createUnresolved("localhost", port));
            assertThat(ChannelLink.parse(byName.toText()).peers().get(0).isUnresolved()).isTrue();
            CountDownLatch pieces = new CountDownLatch(30);
            try (Viewer viewer = Starling.viewer(byName).transport(transport).start()) {
                viewer.onData((seq, bytes) -> pieces.countDown());
                // The stream: a piece every 50 ms, a random access point every 10th.
                AtomicLong seq = new AtomicLong();
                publisher.scheduleAtFixedRate(() -> {
                    long n = seq.getAndIncrement();
                    broadcaster.publish(new byte[4_000], n % 10 == 0);
                }, 0, 50, TimeUnit.MILLISECONDS);
                assertThat(pieces.await(30, TimeUnit.SECONDS)).as("30 pieces played within 30 s over %s", transport)
                        .isTrue();
                assertThat(viewer.stats().bytesFromBroadcaster()).isPositive();
            }
        } finally {
            publisher.shutdownNow();
        }
    }
}
