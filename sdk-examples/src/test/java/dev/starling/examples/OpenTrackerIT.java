package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.api.ChannelKeys;
import dev.starling.api.StreamConfig;
import dev.starling.testing.ExternalProgram;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 20 viewers find the broadcaster and each other only through a real opentracker (Debian's package, installed by
 * {@code .ci/run}) plus peer exchange, over UDP (BEP 15) and over HTTP, and play the stream. opentracker runs with
 * the channel's info-hash in its whitelist; it drops root for an unprivileged user, so its files sit in a
 * world-readable directory. The clients start before the tracker listens and find it through their retries.
 */
class OpenTrackerIT {
    static final ChannelKeys KEYS = ChannelKeys.generate();
    static Process tracker;
    static int port;
    static Path dir;

    @BeforeAll
    static void startOpentracker() throws IOException {
        ExternalProgram.require("opentracker", "run BitTorrent tracker integration tests");
        dir = Files.createTempDirectory("starling-opentracker");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path whitelist = dir.resolve("whitelist.txt");
        Files.writeString(whitelist, KEYS.channelId().infoHashHex() + "\n");
        Files.setPosixFilePermissions(whitelist, PosixFilePermissions.fromString("rw-r--r--"));
        port = freeTcpAndUdpPort();
        Path conf = dir.resolve("opentracker.conf");
        Files.writeString(conf, "listen.tcp_udp 127.0.0.1:" + port + "\naccess.whitelist " + whitelist + "\n");
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-r--r--"));
        tracker = startTracker();
    }

    private static Process startTracker() throws IOException {
        Path program = ExternalProgram.require("opentracker", "run BitTorrent tracker integration tests");
        return new ProcessBuilder(program.toString(), "-f", dir.resolve("opentracker.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("opentracker.log").toFile())).start();
    }

    @AfterAll
    static void stopOpentracker() throws Exception {
        if (tracker != null) {
            tracker.destroy();
            if (!tracker.waitFor(5, TimeUnit.SECONDS)) {
                tracker.destroyForcibly();
            }
            System.err.println("opentracker log: " + Files.readString(dir.resolve("opentracker.log")));
        }
    }

    @Test
    void twentyViewersFindEachOtherThroughOpentrackerOverUdp() throws InterruptedException {
        swarmThrough(URI.create("udp://127.0.0.1:" + port + "/announce"));
    }

    @Test
    void twentyViewersFindEachOtherThroughOpentrackerOverHttp() throws InterruptedException {
        swarmThrough(URI.create("http://127.0.0.1:" + port + "/announce"));
    }

    /** The tracker dies halfway through the stream: viewers keep the peers they have and play on. */
    @Test
    void theStreamOutlivesTheTracker() throws Exception {
        URI trackerUrl = URI.create("udp://127.0.0.1:" + port + "/announce");
        boolean[] killedWhilePlaying = {false};
        try {
            swarmThrough(trackerUrl, () -> {
                tracker.destroyForcibly();
                try {
                    killedWhilePlaying[0] = tracker.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(killedWhilePlaying[0]).as("opentracker was stopped mid-stream").isTrue();
        } finally {
            if (!tracker.isAlive()) {
                tracker = startTracker(); // for the other tests
            }
        }
    }

    private void swarmThrough(URI trackerUrl) throws InterruptedException {
        swarmThrough(trackerUrl, () -> { });
    }

    private void swarmThrough(URI trackerUrl, Runnable halfway) throws InterruptedException {
        assertThat(tracker.isAlive()).as("opentracker is running").isTrue();
        StreamConfig stream = StreamConfig.builder().bitrateHintBps(2_000_000).build();
        LoopbackSwarm.Result r = new LoopbackSwarm(new LoopbackSwarm.Settings("tcp", 20, 12, 3, 0, 1, stream, KEYS,
                List.of(trackerUrl), 250), System.err).onHalfway(halfway).run();
        System.err.println(trackerUrl + " swarm: " + r);
        assertThat(r.trackerRepliesAccepted()).as("every node's announce answered (broadcaster and 20 viewers)")
                .isGreaterThanOrEqualTo(21);
        assertThat(r.corruptBytes()).isZero();
        assertThat(r.continuity()).as("continuity after a 3 s warm-up: %s", r).isGreaterThanOrEqualTo(0.999);
        assertThat(r.viewersEnded()).isEqualTo(20);
    }

    private static int freeTcpAndUdpPort() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, loopback)) {
                int candidate = tcp.getLocalPort();
                try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, candidate))) {
                    return candidate;
                } catch (IOException busy) {
                    // Taken for UDP: try another.
                }
            }
        }
        throw new IOException("no port free for both TCP and UDP on loopback");
    }
}
